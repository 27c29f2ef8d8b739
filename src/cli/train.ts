import type { Command } from 'commander';
import { classCount, loadDataset, type Dataset, type ImageSet } from '../data/index.js';
import { existsSync } from 'node:fs';
import { DigitsError, ModelFormatError, UsageError } from '../errors.js';
import { checkpointPath, loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { saveModelFile } from '../io/model-file.js';
import { writeSubmission } from '../io/submission.js';
import { createKernels } from '../kernels/index.js';
import { LOSS_NAMES, type LossName } from '../nn/losses.js';
import { makeOptimizer, OPTIMIZER_NAMES, type OptimizerName } from '../nn/optimizers/index.js';
import { preset, PRESET_NAMES, type PresetName } from '../nn/presets.js';
import { DEFAULT_SCALE, evaluate, predict } from '../train/evaluate.js';
import { DivergenceError, fit, TrainingInterrupted, trainingStateProblem, type TrainingState } from '../train/fit.js';
import type { Sequential } from '../nn/sequential.js';
import { consoleProgress } from '../train/progress.js';
import { VERSION } from '../version.js';
import { makeOutput, type Output } from './output.js';
import { modelReportInput, printReport } from './report.js';
import { writeReport, type ReportInput, type ReportPaths } from '../report/report.js';
import { fraction, nonNegativeInt, oneOf, positiveInt, positiveNumber } from './options.js';

interface TrainOptions {
  model: PresetName;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  loss: LossName;
  validationSplit?: number;
  seed: number;
  data?: string;
  out: string;
  submission: string;
  threads?: number;
  checkpointDir?: string;
  resume?: boolean;
  report: boolean;
  reportDir: string;
  json?: boolean;
  /** Whether --epochs was given (on --resume, the checkpoint's epoch count applies otherwise). */
  epochsGiven?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'train a model (default: the seed MLP on the embedded MNIST), evaluate it, save it, write a submission',
    )
    .option('--model <preset>', `architecture: ${PRESET_NAMES.join(', ')}`, oneOf(PRESET_NAMES), 'mlp')
    .option('--epochs <n>', 'passes over the training data', nonNegativeInt, 10)
    .option('--batch-size <n>', 'images per step', positiveInt, 128)
    .option('--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')}`, oneOf(OPTIMIZER_NAMES), 'adam')
    .option('--lr <x>', 'learning rate (default: Keras default of the optimizer)', positiveNumber)
    .option('--momentum <x>', 'SGD momentum (default 0)', fraction)
    .option('--nesterov', 'SGD with Nesterov momentum')
    .option('--loss <name>', LOSS_NAMES.join(', '), oneOf(LOSS_NAMES), 'categorical_crossentropy')
    .option(
      '--validation-split <f>',
      'hold out this last fraction of the training data (default: validate on the test set)',
      fraction,
    )
    .option(
      '--seed <n>',
      'seed for weights, shuffling and dropout; runs repeat exactly (default 1, as pytorch/examples)',
      nonNegativeInt,
      1,
    )
    .option('--data <path>', 'dataset: IDX directory/file, mnist.npz, or Kaggle CSV (default: embedded MNIST)')
    .option('--out <file>', 'model file to write', 'model/trained_model.h5')
    .option('--submission <file>', 'Kaggle submission for the test set', 'results/submission.csv')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option(
      '--checkpoint-dir <dir>',
      'save a checkpoint (model, optimizer, RNG, epoch) after every epoch and on Ctrl-C',
    )
    .option('--resume', 'continue the run saved in --checkpoint-dir (its recipe is reused; --epochs may extend it)')
    .option('--report-dir <dir>', 'where the report (curves, sample grids, confusion matrix, HTML) goes', 'results')
    .option('--no-report', 'skip the report')
    .option('--json', 'print a JSON summary as the last line')
    .action(async (o: TrainOptions, command: Command) =>
      train({ ...o, epochsGiven: command.getOptionValueSource('epochs') === 'cli' }),
    );
}

/** What a run is made of; saved in checkpoints and model files, reused by --resume. */
interface Recipe {
  model: PresetName;
  batch_size: number;
  optimizer: OptimizerName;
  learning_rate?: number;
  momentum?: number;
  nesterov?: boolean;
  loss: LossName;
  validation_split: number | null;
  seed: number;
  data: string;
  epochs: number;
}

async function train(o: TrainOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const started = performance.now();
  const { result, reportInput } = await trainAndSave(o, out);
  // The engine and its memory are released by now, so the report's renderers do not add to training's peak.
  let report: ReportPaths | null = null;
  if (reportInput) {
    const r = await writeReport(reportInput, o.reportDir);
    printReport(out, r);
    report = r.files;
  }
  out.result({ ...result, seconds: (performance.now() - started) / 1000, report });
}

/** Trains, evaluates, writes the submission and the model; returns the JSON result and what a report needs. */
async function trainAndSave(
  o: TrainOptions,
  out: Output,
): Promise<{ result: Record<string, unknown>; reportInput: ReportInput | null }> {
  if (o.resume && !o.checkpointDir) throw new UsageError('--resume needs --checkpoint-dir');
  let loaded: Dataset | null = loadDataset(o.data);
  const { source, test } = loaded;
  // The training images are held only by `train`, which is dropped once fit() has copied them into the engine.
  let train: ImageSet | null = loaded.train;
  // eslint-disable-next-line no-useless-assignment -- drops the last other reference for the garbage collector
  loaded = null;
  if (!train?.labels) throw new DigitsError(`${source}: no labelled training data`, 'E_NO_LABELS');
  const classes = classCount([train, test]);
  const kernels = await createKernels({ threads: o.threads });
  try {
    let model: Sequential;
    let recipe: Recipe;
    let resume: TrainingState | undefined;
    if (o.resume) {
      const c = await loadCheckpoint(o.checkpointDir!, kernels);
      const file = checkpointPath(o.checkpointDir!);
      const problem = trainingStateProblem(c.state);
      if (problem) throw new ModelFormatError(file, `damaged checkpoint: ${problem}`);
      recipe = c.recipe as unknown as Recipe;
      if (!Number.isInteger(recipe.batch_size) || recipe.batch_size < 1 || typeof recipe.data !== 'string')
        throw new ModelFormatError(file, 'damaged checkpoint: bad recipe');
      if (recipe.data !== source) {
        throw new UsageError(`the checkpoint was trained on ${recipe.data}, but --data gives ${source}`);
      }
      if (o.epochsGiven || typeof recipe.epochs !== 'number') recipe.epochs = o.epochs;
      model = c.model;
      resume = c.state as TrainingState;
      out.info(`Resuming from ${file} at epoch ${resume.epoch + 1}, step ${resume.step}`);
    } else {
      recipe = {
        model: o.model,
        batch_size: o.batchSize,
        optimizer: o.optimizer,
        learning_rate: o.lr,
        momentum: o.momentum,
        nesterov: o.nesterov,
        loss: o.loss,
        validation_split: o.validationSplit ?? null,
        seed: o.seed,
        data: source,
        epochs: o.epochs,
      };
      model = preset(recipe.model, classes, train.height * train.width).build(kernels, recipe.seed);
      const optimizer = makeOptimizer(recipe.optimizer, recipe.learning_rate, recipe.momentum, recipe.nesterov);
      model.compile({ optimizer, loss: recipe.loss });
      recipe.learning_rate = optimizer.learningRate;
    }
    out.info(model.summary());
    const split = recipe.validation_split ?? undefined;
    const validationData = split ? null : test?.labels ? test : null;
    out.info(
      `Training on ${source}: ${train.count} images` +
        (split
          ? `, validating on the last ${Math.round(split * 100)} %`
          : validationData
            ? `, validating on the ${validationData.count} test images`
            : '') +
        ` (seed ${recipe.seed}, ${kernels.name}, ${kernels.threads} thread${kernels.threads > 1 ? 's' : ''})`,
    );
    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) process.exit(130); // a second Ctrl-C does not wait
      stop.abort();
    };
    if (o.checkpointDir) process.on('SIGINT', onSigint);
    let history;
    try {
      history = await fit(model, train, {
        epochs: recipe.epochs,
        batchSize: recipe.batch_size,
        validationSplit: split,
        validationData,
        progress: consoleProgress(out.progressStream),
        resume,
        signal: stop.signal,
        onEpochEnd: o.checkpointDir
          ? async (_epoch, _logs, state) =>
              void (await saveCheckpoint(model, o.checkpointDir!, { state, recipe: { ...recipe } }))
          : undefined,
      });
    } catch (e) {
      if (e instanceof TrainingInterrupted && o.checkpointDir) {
        const file = await saveCheckpoint(model, o.checkpointDir, { state: e.state, recipe: { ...recipe } });
        throw new DigitsError(`${e.message}; checkpoint saved to ${file} (continue with --resume)`, 'E_INTERRUPTED');
      }
      if (e instanceof DivergenceError && o.checkpointDir && existsSync(checkpointPath(o.checkpointDir))) {
        throw new DigitsError(`${e.message}; the last good checkpoint is ${checkpointPath(o.checkpointDir)}`, e.code);
      }
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
    train = null;
    const testEval = test?.labels ? evaluate(model, test) : null;
    const predictions = test ? predict(model, test) : null;
    if (test && predictions) {
      writeSubmission(o.submission, predictions.labels);
      out.info(`Wrote ${test.count} predictions to ${o.submission}`);
    }
    const metadata = {
      scale: DEFAULT_SCALE,
      history,
      recipe: { ...recipe, backend: kernels.name, threads: kernels.threads },
      evaluation: testEval ?? undefined,
      digitsVersion: VERSION,
      createdAt: new Date().toISOString(),
    };
    await saveModelFile(model, o.out, metadata);
    out.info(`Saved model to ${o.out}`);
    if (testEval)
      out.info(`Test loss: ${testEval.loss.toFixed(4)} - Test accuracy: ${(testEval.accuracy * 100).toFixed(2)} %`);
    return {
      result: {
        model: recipe.model,
        epochs: history.epochs,
        test_loss: testEval?.loss ?? null,
        test_accuracy: testEval?.accuracy ?? null,
        out: o.out,
        submission: predictions ? o.submission : null,
        seed: recipe.seed,
      },
      reportInput:
        o.report && test?.labels && predictions && testEval
          ? modelReportInput(model, metadata, test, predictions, testEval.loss, {
              seed: recipe.seed,
              modelFile: o.out,
              dataSource: source,
            })
          : null,
    };
  } finally {
    await kernels.dispose();
  }
}
