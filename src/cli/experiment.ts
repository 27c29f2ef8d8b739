import type { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/index.js';
import { DigitsError, UsageError } from '../errors.js';
import { writeFileAtomically } from '../io/atomic.js';
import { loadModelFile } from '../io/model-file.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../nn/optimizers/index.js';
import {
  NOT_FINISHED,
  experimentMarkdown,
  writeExperiment,
  type ExperimentRow,
  type ExperimentSettings,
} from '../report/experiment.js';
import { runExperiment } from '../train/experiment.js';
import { consoleProgress } from '../train/progress.js';
import { flagOf, type RecipeOptionName, type RecipeOptionValues } from '../train/recipe-options.js';
import { MODEL_OPTION_HELP, modelForTraining, modelSpec } from './architecture.js';
import { listOf, positiveInt, positiveNumberList } from './options.js';
import { makeOutput, type Output } from './output.js';
import { addRecipeOptions } from './recipe-flags.js';

/** The recipe options every run of a grid shares (the grid itself varies the optimizer and learning rate). */
const SHARED: RecipeOptionName[] = [
  'epochs',
  'batchSize',
  'momentum',
  'bnReestimate',
  'ema',
  'sam',
  'validationSplit',
  'seed',
];

type ExperimentCliOptions = Pick<RecipeOptionValues, (typeof SHARED)[number]> & {
  optimizers: OptimizerName[];
  lrs: number[];
  model: string;
  data?: string;
  threads?: number;
  outDir: string;
  emit?: string;
  collect?: string;
  json?: boolean;
};

export function registerExperiment(program: Command): void {
  const command = program
    .command('experiment')
    .description(
      'train a grid of optimizers × learning rates and compare them (table + validation-curve chart); or write ' +
        'the grid as one train --config file per run (--emit) and gather their results (--collect)',
    )
    .option('--optimizers <list>', `comma-separated: ${OPTIMIZER_NAMES.join(', ')}`, listOf(OPTIMIZER_NAMES), [
      'adam',
      'sgd',
      'rmsprop',
    ])
    .option('--lrs <list>', 'comma-separated learning rates', positiveNumberList, [1e-2, 1e-3, 1e-4])
    .option('--model <preset|file>', MODEL_OPTION_HELP, modelSpec, 'mlp');
  addRecipeOptions(command, SHARED, {
    epochs: { default: 5, help: 'epochs per run' },
    momentum: { help: 'momentum for the sgd runs (default 0)' },
    ema: { help: 'every run averages its weights (as train --ema)' },
    sam: { help: 'every run takes sharpness-aware steps (as train --sam)' },
    validationSplit: { default: 0.1, help: 'last fraction of the training data held out for validation' },
    seed: { help: 'seed shared by every run' },
  })
    .option('--data <path>', 'dataset: IDX directory/file, mnist.npz, or Kaggle CSV (default: embedded MNIST)')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option(
      '--out-dir <dir>',
      'where experiment.md, experiment.csv and validation-curves.{svg,png} go',
      'results/experiment',
    )
    .option('--emit <dir>', 'train nothing: write DIR/runs/*.json, one `digits train --config` file per run')
    .option('--collect <dir>', 'train nothing: gather the runs --emit wrote (their model files) into the table')
    .option('--json', 'print the runs and file paths as JSON on the last line')
    .action(async (o: ExperimentCliOptions) => experiment(o));
}

async function experiment(o: ExperimentCliOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  if (o.emit && o.collect) throw new UsageError('give --emit or --collect, not both');
  if (!o.validationSplit) throw new UsageError('--validation-split must be > 0: runs are compared on held-out data');
  if (o.emit) return emit(o, o.emit, out);
  if (o.collect) return collect(o.collect, o.outDir, out);
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
    ...settingsOf(result),
    data: source,
    runs: result.runs.map(({ history, ...run }) => ({
      ...run,
      val_accuracy: history.epochs.map((e) => e.val_accuracy),
    })),
    files,
    seconds: (performance.now() - started) / 1000,
  });
}

/**
 * Writes the grid as `digits train --config` files, DIR/runs/<optimizer>-<rate>.json: the shared options, the
 * run's optimizer and rate, and where its model, submission and report go (DIR/runs/<name>/), so that any
 * scheduler can run them on any machine and `--collect DIR` can find the results.
 */
function emit(o: ExperimentCliOptions, dir: string, out: Output): void {
  const runs = join(dir, 'runs');
  mkdirSync(runs, { recursive: true });
  const shared = Object.fromEntries(
    SHARED.filter((name) => o[name] !== undefined).map((name) => [flagOf(name), o[name]]),
  );
  const files: string[] = [];
  for (const optimizer of o.optimizers)
    for (const lr of o.lrs) {
      const name = `${optimizer}-${lr}`;
      const config = {
        model: o.model,
        ...(o.data ? { data: o.data } : {}),
        ...shared,
        ...(optimizer === 'sgd' ? {} : { momentum: undefined }),
        optimizer,
        lr,
        out: join(runs, name, 'model.h5'),
        submission: join(runs, name, 'submission.csv'),
        'report-dir': join(runs, name, 'report'),
        report: false,
      };
      const file = join(runs, `${name}.json`);
      writeFileAtomically(file, JSON.stringify(config, null, 2) + '\n');
      files.push(file);
    }
  out.info(`Wrote ${files.length} run files to ${runs}; run each with: digits train --config FILE`);
  out.info(`then gather them with: digits experiment --collect ${dir}`);
  out.result({ runs: files });
}

/**
 * Reads the runs --emit wrote and the model files `digits train` saved for them (history, recipe, test score),
 * and writes the same table and chart as an experiment run in one process. A run without a model file is
 * listed as not finished.
 */
async function collect(dir: string, outDir: string, out: Output): Promise<void> {
  const runs = join(dir, 'runs');
  if (!existsSync(runs)) throw new UsageError(`${dir}: no runs/ directory (write one with --emit ${dir})`);
  const configs = readdirSync(runs)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (configs.length === 0) throw new UsageError(`${runs}: no run files`);
  const rows: ExperimentRow[] = [];
  let settings: ExperimentSettings | undefined;
  for (const name of configs) {
    const file = join(runs, name);
    let config: { optimizer?: string; lr?: number; out?: string };
    try {
      config = JSON.parse(readFileSync(file, 'utf8')) as typeof config;
    } catch (e) {
      throw new UsageError(`${file}: not a run file (${(e as Error).message})`);
    }
    if (typeof config.optimizer !== 'string' || typeof config.lr !== 'number' || typeof config.out !== 'string')
      throw new UsageError(`${file}: not a run file written by --emit (optimizer, lr and out are needed)`);
    const row: ExperimentRow = {
      optimizer: config.optimizer,
      learning_rate: config.lr,
      best_val_accuracy: null,
      best_epoch: null,
      test_accuracy: null,
      seconds: 0,
      diverged: NOT_FINISHED,
      history: { epochs: [] },
    };
    if (existsSync(config.out)) {
      const { model, metadata } = await loadModelFile(config.out, { threads: 1 });
      await model.kernels.dispose();
      const epochs = metadata?.history?.epochs ?? [];
      const vals = epochs.map((e) => e.val_accuracy ?? Number.NaN);
      const best = vals.reduce((b, v, j) => (v > (vals[b] ?? -1) ? j : b), -1);
      Object.assign(row, {
        best_val_accuracy: best >= 0 ? vals[best] : null,
        best_epoch: best >= 0 ? best + 1 : null,
        test_accuracy: metadata?.evaluation?.accuracy ?? null,
        seconds: epochs.reduce((s, e) => s + (e.seconds ?? 0), 0),
        diverged: null,
        history: { epochs },
      });
      const shared = settingsFromRecipe(metadata?.recipe ?? {});
      // SGD's momentum is the grid's, though only the SGD runs record it.
      settings = settings ? { ...settings, momentum: settings.momentum ?? shared.momentum } : shared;
    }
    rows.push(row);
    out.info(
      `${name}: ${row.diverged ? `not finished (no ${config.out})` : `test accuracy ${((row.test_accuracy ?? 0) * 100).toFixed(2)} %`}`,
    );
  }
  const files = await writeExperiment(rows, outDir, settings);
  out.info('\n' + experimentMarkdown(rows, settings));
  out.info(`Wrote ${files.markdown}, ${files.csv}, ${files.chart_png} and ${files.chart_svg}`);
  out.result({
    ...(settings ?? {}),
    runs: rows.map(({ history, ...run }) => ({ ...run, val_accuracy: history.epochs.map((e) => e.val_accuracy) })),
    files,
  });
}

function settingsOf(s: ExperimentSettings): ExperimentSettings {
  const { model, epochs, batch_size, seed, validation_split, momentum, bn_reestimate, ema_momentum, sam_rho } = s;
  return { model, epochs, batch_size, seed, validation_split, momentum, bn_reestimate, ema_momentum, sam_rho };
}

/** What the runs shared, as a model file's recipe records it. */
function settingsFromRecipe(r: Record<string, unknown>): ExperimentSettings {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    model: String(r.model ?? ''),
    epochs: Number(r.epochs ?? 0),
    batch_size: Number(r.batch_size ?? 0),
    seed: Number(r.seed ?? 0),
    validation_split: Number(r.validation_split ?? 0),
    momentum: num(r.momentum),
    bn_reestimate: num(r.reestimate_batch_norm) || null,
    ema_momentum: num(r.ema_momentum),
    sam_rho: num(r.sam_rho) || null,
  };
}
