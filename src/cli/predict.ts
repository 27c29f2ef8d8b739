import type { Command } from 'commander';
import { loadDataset } from '../data/index.js';
import { DigitsError } from '../errors.js';
import { loadModelFile } from '../io/model-file.js';
import { writeSubmission } from '../io/submission.js';
import { predict } from '../train/evaluate.js';
import { addModelInputOptions, inputScaling, readArchitecture, type ModelInputOptions } from './model-input.js';
import { positiveInt } from './options.js';
import { makeOutput } from './output.js';

export function registerPredict(program: Command): void {
  const command = program
    .command('predict')
    .description('predict labels and write a Kaggle submission CSV (ImageId,Label)')
    .requiredOption('--model <file>', 'model file (.h5 or .keras)')
    .option('--input <path>', 'images: IDX, mnist.npz, or Kaggle test.csv (default: the MNIST test set)')
    .option('--out <file>', 'CSV to write', 'results/submission.csv')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print {"out","count"} as the last line');
  addModelInputOptions(command).action(
    async (o: { model: string; input?: string; out: string; threads?: number; json?: boolean } & ModelInputOptions) => {
      const out = makeOutput(Boolean(o.json));
      const data = loadDataset(o.input);
      const set = data.test ?? data.train;
      if (!set) throw new DigitsError(`${data.source}: no images`, 'E_NO_DATA');
      const architecture = readArchitecture(o.arch);
      const { model, metadata } = await loadModelFile(o.model, { threads: o.threads, architecture });
      try {
        const p = predict(model, set, inputScaling(o, metadata));
        writeSubmission(o.out, p.labels);
        out.info(`Wrote ${set.count} predictions to ${o.out}`);
        out.result({ out: o.out, count: set.count });
      } finally {
        await model.kernels.dispose();
      }
    },
  );
}
