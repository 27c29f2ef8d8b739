import type { Command } from 'commander';
import { loadModelFile } from '../io/model-file.js';
import { makeOutput } from './output.js';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description('print a Keras-style summary of a model file')
    .requiredOption('--model <file>', 'model file (.h5 or .keras)')
    .option('--json', 'print the layers and parameter counts as JSON')
    .action(async (o: { model: string; json?: boolean }) => {
      const out = makeOutput(Boolean(o.json));
      const { model, metadata } = await loadModelFile(o.model);
      try {
        out.info(model.summary());
        if (metadata?.evaluation)
          out.info(`Test accuracy at save: ${(metadata.evaluation.accuracy * 100).toFixed(2)} %`);
        out.result({
          name: model.name,
          input_shape: model.inputShape,
          layers: model.layerInfo(),
          total_params: model.paramCount,
        });
      } finally {
        await model.kernels.dispose();
      }
    });
}
