import type { Command } from 'commander';
import { loadDataset } from '../data/index.js';
import { DigitsError, UsageError } from '../errors.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../nn/optimizers/index.js';
import { experimentMarkdown, writeExperiment } from '../report/experiment.js';
import { runExperiment } from '../train/experiment.js';
import { consoleProgress } from '../train/progress.js';
import { MODEL_OPTION_HELP, modelForTraining, modelSpec } from './architecture.js';
import { fraction, listOf, positiveInt, positiveNumber, positiveNumberList, nonNegativeInt } from './options.js';
import { makeOutput } from './output.js';

interface ExperimentCliOptions {
  optimizers: OptimizerName[];
  lrs: number[];
  model: string;
  epochs: number;
  batchSize: number;
  momentum?: number;
  bnReestimate?: number;
  ema?: number;
  sam?: number;
  validationSplit: number;
  seed: number;
  data?: string;
  threads?: number;
  outDir: string;
  json?: boolean;
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description('train a grid of optimizers × learning rates and compare them (table + validation-curve chart)')
    .option('--optimizers <list>', `comma-separated: ${OPTIMIZER_NAMES.join(', ')}`, listOf(OPTIMIZER_NAMES), [
      'adam',
      'sgd',
      'rmsprop',
    ])
    .option('--lrs <list>', 'comma-separated learning rates', positiveNumberList, [1e-2, 1e-3, 1e-4])
    .option('--model <preset|file>', MODEL_OPTION_HELP, modelSpec, 'mlp')
    .option('--epochs <n>', 'epochs per run', positiveInt, 5)
    .option('--batch-size <n>', 'images per step', positiveInt, 128)
    .option('--momentum <x>', 'momentum for the sgd runs (default 0)', fraction)
    .option(
      '--bn-reestimate <images>',
      'after every epoch, re-estimate batch-norm statistics from this many training images',
      nonNegativeInt,
    )
    .option('--ema <momentum>', 'every run averages its weights (as train --ema)', fraction)
    .option('--sam <rho>', 'every run takes sharpness-aware steps (as train --sam)', positiveNumber)
    .option('--validation-split <f>', 'last fraction of the training data held out for validation', fraction, 0.1)
    .option('--seed <n>', 'seed shared by every run', nonNegativeInt, 1)
    .option('--data <path>', 'dataset: IDX directory/file, mnist.npz, or Kaggle CSV (default: embedded MNIST)')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option(
      '--out-dir <dir>',
      'where experiment.md, experiment.csv and validation-curves.{svg,png} go',
      'results/experiment',
    )
    .option('--json', 'print the runs and file paths as JSON on the last line')
    .action(async (o: ExperimentCliOptions) => experiment(o));
}

async function experiment(o: ExperimentCliOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  if (o.validationSplit <= 0)
    throw new UsageError('--validation-split must be > 0: runs are compared on held-out data');
  if (o.ema === 0) throw new UsageError('EMA momentum must be in (0, 1)');
  const { source, train, test } = loadDataset(o.data);
  if (!train?.labels) throw new DigitsError(`${source}: no labelled training data`, 'E_NO_LABELS');
  const started = performance.now();
  const result = await runExperiment(train, test, {
    optimizers: o.optimizers,
    learningRates: o.lrs,
    model: o.model,
    makeModel: (kernels, seed, classes, image) => modelForTraining(o.model, classes, image, kernels, seed),
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    validationSplit: o.validationSplit,
    momentum: o.momentum,
    reestimateBatchNorm: o.bnReestimate,
    emaMomentum: o.ema,
    samRho: o.sam,
    threads: o.threads,
    progress: consoleProgress(out.progressStream),
    onRunStart: (i, total, optimizer, lr) => out.info(`\n[${i + 1}/${total}] ${o.model}: ${optimizer}, lr ${lr}`),
  });
  const files = await writeExperiment(result.runs, o.outDir, result);
  out.info('\n' + experimentMarkdown(result.runs, result));
  out.info(`Wrote ${files.markdown}, ${files.csv}, ${files.chart_png} and ${files.chart_svg}`);
  out.result({
    model: result.model,
    epochs: result.epochs,
    batch_size: result.batch_size,
    seed: result.seed,
    validation_split: result.validation_split,
    momentum: result.momentum,
    bn_reestimate: result.bn_reestimate,
    ema_momentum: result.ema_momentum,
    sam_rho: result.sam_rho,
    data: source,
    runs: result.runs.map(({ history, ...run }) => ({
      ...run,
      val_accuracy: history.epochs.map((e) => e.val_accuracy),
    })),
    files,
    seconds: (performance.now() - started) / 1000,
  });
}
