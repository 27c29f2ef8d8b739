import type { Command } from 'commander';
import { classCount, loadDataset, type Dataset, type ImageSet } from '../data/index.js';
import { existsSync } from 'node:fs';
import { DigitsError, ModelFormatError, UsageError } from '../errors.js';
import { checkpointPath, loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { writeSubmission } from '../io/submission.js';
import { createKernels } from '../kernels/index.js';
import { LOSS_NAMES, type LossName } from '../nn/losses.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../nn/optimizers/index.js';
import { isPresetName } from '../nn/presets.js';
import { DEFAULT_SCALE, evaluate, predict } from '../train/evaluate.js';
import { DivergenceError, fit, TrainingInterrupted, trainingStateProblem, type TrainingState } from '../train/fit.js';
import type { Sequential } from '../nn/sequential.js';
import { consoleProgress } from '../train/progress.js';
import { VERSION } from '../version.js';
import { makeOutput, type Output } from './output.js';
import { modelReportInput, printReport } from './report.js';
import { writeReport, type ReportInput, type ReportPaths } from '../report/report.js';
import { applyConfigFile } from './config-file.js';
import { applyPresetDefaults } from './preset-defaults.js';
import { MODEL_OPTION_HELP, modelForTraining, modelSpec } from './architecture.js';
import {
  fraction,
  nonNegativeInt,
  nonNegativeNumber,
  numberPair,
  oneOf,
  positiveInt,
  positiveNumber,
} from './options.js';
import { AUGMENT_PRESET_NAMES, type AugmentPreset } from '../data/augment.js';
import { loadModelFile, saveModelFile } from '../io/model-file.js';
import { snapshotWeights, type WeightSnapshot } from '../train/callbacks.js';
import { augmentOptions, recipeProblem, trainingPlan, type Recipe } from '../train/recipe.js';
import { SCHEDULE_NAMES, type Schedule, type ScheduleName } from '../train/schedules.js';
import { join } from 'node:path';

interface TrainOptions {
  config?: string;
  model: string;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  clipnorm?: number;
  clipvalue?: number;
  schedule: ScheduleName;
  stepEvery: number;
  stepFactor: number;
  decayRate: number;
  warmup: number;
  minLr: number;
  reduceOnPlateau?: boolean;
  plateauPatience: number;
  plateauFactor: number;
  earlyStopping?: number;
  restoreBest?: boolean;
  keepBest?: boolean;
  bnReestimate?: number;
  labelSmoothing?: number;
  ema?: number;
  sam?: number;
  augment?: AugmentPreset;
  rotation?: number;
  shift?: number;
  zoom?: number;
  shear?: number;
  elastic?: [number, number];
  thickness?: number;
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

/** The part of the training data held out when a recipe selects by validation and gives no --validation-split. */
export const DEFAULT_SELECTION_SPLIT = 0.1;

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'train a model (default: the seed MLP on the embedded MNIST), evaluate it, save it, write a submission',
    )
    .option('--config <file>', 'JSON file of options (keys as the long option names); flags given here win')
    .option('--model <preset|file>', MODEL_OPTION_HELP, modelSpec, 'mlp')
    .option('--epochs <n>', 'passes over the training data (the cnn preset 12, cnn-best 27)', positiveInt, 10)
    .option('--batch-size <n>', 'images per step', positiveInt, 128)
    .option('--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')}`, oneOf(OPTIMIZER_NAMES), 'adam')
    .option('--lr <x>', 'learning rate (default: as Keras sets it for the optimizer)', positiveNumber)
    .option('--momentum <x>', 'SGD momentum (default 0)', fraction)
    .option('--nesterov', 'SGD with Nesterov momentum')
    .option('--weight-decay <x>', 'decoupled weight decay, p ← p − lr·wd·p (adamw: 0.004)', nonNegativeNumber)
    .option('--clipnorm <x>', 'clip gradients to this global L2 norm', positiveNumber)
    .option('--clipvalue <x>', 'clip each gradient element to ±x', positiveNumber)
    .option(
      '--ema <momentum>',
      'average the weights over training (Keras use_ema; e.g. 0.999 ≈ the last 1000 steps); validate and save the average',
      fraction,
    )
    .option(
      '--sam <rho>',
      'sharpness-aware minimization (Keras SAM rho, e.g. 0.05): gradients taken at weights moved ρ uphill; twice the compute per step',
      positiveNumber,
    )
    .option(
      '--schedule <name>',
      `learning-rate schedule: ${SCHEDULE_NAMES.join(', ')}`,
      oneOf(SCHEDULE_NAMES),
      'constant',
    )
    .option('--step-every <epochs>', 'step schedule: epochs between decays', positiveNumber, 5)
    .option('--step-factor <x>', 'step schedule: multiply the rate by this', positiveNumber, 0.5)
    .option('--decay-rate <x>', 'exponential schedule: rate multiplier per epoch', positiveNumber, 0.95)
    .option('--warmup <epochs>', 'cosine schedule: linear warm-up epochs', nonNegativeNumber, 0)
    .option('--min-lr <x>', 'cosine schedule: final learning rate; plateau: lower bound', nonNegativeNumber, 0)
    .option('--reduce-on-plateau', 'multiply the rate by --plateau-factor when val_loss stalls')
    .option('--plateau-patience <n>', 'epochs without val_loss improvement that make a plateau', positiveInt, 3)
    .option('--plateau-factor <x>', 'rate multiplier on a plateau', fraction, 0.2)
    .option('--early-stopping <patience>', 'stop when val_loss has not improved for this many epochs', positiveInt)
    .option('--restore-best', 'with --early-stopping: end with the weights of the best val_loss epoch')
    .option('--keep-best', 'end with (and save) the weights of the epoch with the best val_accuracy')
    .option(
      '--bn-reestimate <images>',
      'after every epoch, re-estimate batch-norm statistics from this many training images (fixes early val_*)',
      nonNegativeInt,
    )
    .option('--augment <preset>', `augmentation: ${AUGMENT_PRESET_NAMES.join(', ')}`, oneOf(AUGMENT_PRESET_NAMES))
    .option('--rotation <deg>', 'augmentation: maximum rotation, degrees', nonNegativeNumber)
    .option('--shift <f>', 'augmentation: maximum translation, fraction of the image size', fraction)
    .option('--zoom <f>', 'augmentation: scale in [1 − f, 1 + f]', fraction)
    .option('--shear <deg>', 'augmentation: maximum shear, degrees', nonNegativeNumber)
    .option('--elastic <alpha,sigma>', 'augmentation: elastic distortion (Simard et al.: 34,4)', numberPair)
    .option(
      '--thickness <px>',
      'augmentation: maximum stroke-width change (dilation/erosion passes)',
      nonNegativeNumber,
    )
    .option('--loss <name>', LOSS_NAMES.join(', '), oneOf(LOSS_NAMES), 'categorical_crossentropy')
    .option(
      '--label-smoothing <x>',
      'train against (1 − x)·one-hot + x/classes targets (Keras label_smoothing; categorical loss only)',
      fraction,
    )
    .option(
      '--validation-split <f>',
      'hold out this last fraction of the training data for validation (default: 0.1 with --keep-best, ' +
        '--early-stopping or --reduce-on-plateau; else none, and the test set is shown per epoch)',
      fraction,
    )
    .option(
      '--seed <n>',
      'seed for weights, shuffling and dropout; runs repeat exactly (1 as in pytorch/examples)',
      nonNegativeInt,
      1,
    )
    .option('--data <path>', 'dataset: IDX directory/file, mnist.npz, or Kaggle CSV (default: embedded MNIST)')
    .option('--out <file>', 'model file to write (.h5: Keras HDF5; .keras: Keras 3 archive)', 'model/trained_model.h5')
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
    .action(async (o: TrainOptions, command: Command) => {
      if (o.config) applyConfigFile(command, o.config);
      const { model } = command.opts<TrainOptions>();
      if (isPresetName(model)) applyPresetDefaults(command, model);
      const options = command.opts<TrainOptions>();
      await train({
        ...options,
        epochsGiven: ['cli', 'config'].includes(command.getOptionValueSource('epochs') ?? ''),
      });
    });
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
      recipe = recipeFromOptions(o, source);
      model = await modelForTraining(recipe.model, classes, [train.height, train.width], kernels, recipe.seed);
    }
    const problem = recipeProblem(recipe);
    if (problem) throw new UsageError(problem);
    const best = o.checkpointDir ? join(o.checkpointDir, 'best.h5') : null;
    const plan = trainingPlan(recipe, train, {
      onBest: best
        ? async (epoch, value) =>
            saveModelFile(model, best, {
              scale: DEFAULT_SCALE,
              evaluation: undefined,
              recipe: { ...recipe, best_epoch: epoch, best_val_accuracy: value },
            })
        : undefined,
    });
    if (!resume) {
      model.compile({
        optimizer: plan.optimizer,
        loss: recipe.loss,
        labelSmoothing: recipe.label_smoothing,
        samRho: recipe.sam_rho,
      });
      recipe.learning_rate = plan.optimizer.learningRate;
    } else {
      model.labelSmoothing = recipe.label_smoothing ?? 0;
      model.samRho = recipe.sam_rho ?? 0;
      if (plan.best && best && existsSync(best)) plan.best.snapshot = await weightsOf(best);
    }
    out.info(model.summary());
    const split = recipe.validation_split ?? undefined;
    const validationData = split ? null : test?.labels ? test : null;
    out.info(
      `Training on ${source}: ${train.count} images` +
        (split
          ? `, validating on the last ${Math.round(split * 100)} % (${Math.round(split * train.count)} images)`
          : validationData
            ? `, validating on the ${validationData.count} test images`
            : '') +
        ` (seed ${recipe.seed}, ${kernels.name}, ${kernels.threads} thread${kernels.threads > 1 ? 's' : ''})`,
    );
    const selects = [
      recipe.keep_best && '--keep-best',
      recipe.early_stopping && '--early-stopping',
      recipe.reduce_on_plateau && '--reduce-on-plateau',
    ].filter(Boolean);
    if (selects.length > 0 && split)
      out.info(
        `${selects.join(', ')} decide${selects.length === 1 ? 's' : ''} on this held-out part; the test set stays unseen until the end`,
      );
    else if (validationData) out.info('(the test set is only shown per epoch: nothing is chosen by it)');
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
        ...plan.fit,
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
    if (plan.early?.stoppedEpoch)
      out.info(`Early stopping: val_loss did not improve for ${recipe.early_stopping!.patience} epochs`);
    if (plan.best?.snapshot)
      out.info(
        `Keeping the best epoch: ${plan.best.best.epoch} (val_accuracy ${(plan.best.best.value * 100).toFixed(2)} %)`,
      );
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

/** The recipe the command-line options describe. */
function recipeFromOptions(o: TrainOptions, source: string): Recipe {
  const schedules: Record<ScheduleName, Schedule | undefined> = {
    constant: undefined,
    step: { kind: 'step', every: o.stepEvery, factor: o.stepFactor },
    exponential: { kind: 'exponential', rate: o.decayRate },
    cosine: { kind: 'cosine', warmup: o.warmup, min: o.minLr },
    onecycle: { kind: 'onecycle' },
  };
  return {
    model: o.model,
    epochs: o.epochs,
    batch_size: o.batchSize,
    optimizer: o.optimizer,
    learning_rate: o.lr,
    momentum: o.momentum,
    nesterov: o.nesterov,
    weight_decay: o.weightDecay,
    clipnorm: o.clipnorm,
    clipvalue: o.clipvalue,
    ema_momentum: o.ema,
    sam_rho: o.sam,
    loss: o.loss,
    label_smoothing: o.labelSmoothing,
    // Choosing weights or rates by validation must not see the test set: such recipes hold out 10 % of train
    // (the last rows, as Keras's validation_split) unless told otherwise.
    validation_split:
      o.validationSplit ?? (o.keepBest || o.earlyStopping || o.reduceOnPlateau ? DEFAULT_SELECTION_SPLIT : null),
    seed: o.seed,
    data: source,
    schedule: schedules[o.schedule],
    reduce_on_plateau: o.reduceOnPlateau
      ? { patience: o.plateauPatience, factor: o.plateauFactor, min_lr: o.minLr || undefined }
      : null,
    early_stopping: o.earlyStopping
      ? { patience: o.earlyStopping, restore_best_weights: Boolean(o.restoreBest) }
      : null,
    keep_best: Boolean(o.keepBest),
    reestimate_batch_norm: o.bnReestimate,
    augment: augmentOptions(o.augment, {
      rotation: o.rotation,
      shift: o.shift,
      zoom: o.zoom,
      shear: o.shear,
      elastic: o.elastic ? { alpha: o.elastic[0], sigma: o.elastic[1] } : undefined,
      thickness: o.thickness,
    }),
  };
}

/** The parameter values of a model file (read on its own engine, so nothing is allocated in ours). */
async function weightsOf(file: string): Promise<WeightSnapshot> {
  const { model } = await loadModelFile(file, { threads: 1 });
  try {
    return snapshotWeights(model);
  } finally {
    await model.kernels.dispose();
  }
}
