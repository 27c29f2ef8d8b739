import type { Command } from 'commander';
import { loadEvaluationSet } from '../data/index.js';
import { loadModelFile } from '../io/model-file.js';
import { evaluate } from '../train/evaluate.js';
import { addModelInputOptions, inputScaling, readArchitecture, type ModelInputOptions } from './model-input.js';
import { positiveInt } from './options.js';
import { makeOutput } from './output.js';

export function registerEvaluate(program: Command): void {
  const command = program
    .command('evaluate')
    .description('loss and accuracy of a model on labelled data (default: the MNIST test set)')
    .requiredOption('--model <file>', 'model file (.h5 or .keras)')
    .option('--data <path>', 'dataset (its test split, or its only labelled split)')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print {"loss","accuracy","count"} as the last line');
  addModelInputOptions(command).action(
    async (o: { model: string; data?: string; threads?: number; json?: boolean } & ModelInputOptions) => {
      const out = makeOutput(Boolean(o.json));
      const { set } = loadEvaluationSet(o.data);
      const architecture = readArchitecture(o.arch);
      const { model, metadata } = await loadModelFile(o.model, { threads: o.threads, architecture });
      try {
        const r = evaluate(model, set, inputScaling(o, metadata));
        out.info(`${set.count} images - loss: ${r.loss.toFixed(4)} - accuracy: ${(r.accuracy * 100).toFixed(2)} %`);
        out.result({ loss: r.loss, accuracy: r.accuracy, count: r.count });
      } finally {
        await model.kernels.dispose();
      }
    },
  );
}
