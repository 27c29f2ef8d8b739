/**
 * The training options, declared once: name, kind of value, default and help. The CLI's flags (train and
 * experiment), `--config` files, `experiment --emit` files and the recipes that checkpoints and model files record
 * are all checked by the one rule of each kind here.
 */
import { AUGMENT_PRESET_NAMES, type AugmentPreset } from '../data/augment.js';
import { LOSS_NAMES, type LossName } from '../nn/losses.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../nn/optimizers/index.js';
import { SCHEDULE_NAMES, type ScheduleName } from './schedules.js';

/** What values an option takes. */
export type OptionKind =
  | 'count' // an integer ≥ 1
  | 'whole' // an integer ≥ 0
  | 'positive' // a finite number > 0
  | 'nonNegative' // a finite number ≥ 0
  | 'fraction' // a number in [0, 1)
  | 'unit' // a number in (0, 1)
  | 'flag' // true or false
  | 'pair' // two positive numbers
  | readonly string[]; // one of these names

/** What is wrong with `value` as a value of `kind`, or null. */
export function valueProblem(kind: OptionKind, value: unknown): string | null {
  const n = value as number;
  if (Array.isArray(kind))
    return kind.includes(value as string) ? null : `expected one of: ${(kind as readonly string[]).join(', ')}`;
  switch (kind) {
    case 'count':
      return Number.isSafeInteger(n) && n >= 1 ? null : 'expected a positive integer';
    case 'whole':
      return Number.isSafeInteger(n) && n >= 0 ? null : 'expected a non-negative integer';
    case 'positive':
      return typeof n === 'number' && Number.isFinite(n) && n > 0 ? null : 'expected a positive number';
    case 'nonNegative':
      return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? null : 'expected a number ≥ 0';
    case 'fraction':
      return typeof n === 'number' && n >= 0 && n < 1 ? null : 'expected a number in [0, 1)';
    case 'unit':
      return typeof n === 'number' && n > 0 && n < 1 ? null : 'expected a number in (0, 1)';
    case 'flag':
      return typeof value === 'boolean' ? null : 'expected true or false';
    case 'pair':
      return Array.isArray(value) && value.length === 2 && value.every((v) => Number.isFinite(v) && v > 0)
        ? null
        : 'expected two positive numbers, e.g. 34,4';
  }
  return null;
}

interface OptionSpec {
  /** The placeholder in help, e.g. "<n>"; absent for a flag. */
  arg?: string;
  kind: OptionKind;
  default?: unknown;
  help: string;
}

/**
 * Every option that decides how a model trains, by its camelCase name (the flag is its kebab-case: batchSize →
 * --batch-size). `--model` and the data, output and engine options belong to the commands, not the recipe.
 */
export const RECIPE_OPTIONS = {
  epochs: {
    arg: '<n>',
    kind: 'count',
    default: 10,
    help: 'passes over the training data (the cnn preset 12, cnn-best 27)',
  },
  batchSize: { arg: '<n>', kind: 'count', default: 128, help: 'images per step' },
  optimizer: { arg: '<name>', kind: OPTIMIZER_NAMES, default: 'adam', help: OPTIMIZER_NAMES.join(', ') },
  lr: { arg: '<x>', kind: 'positive', help: 'learning rate (default: as Keras sets it for the optimizer)' },
  momentum: { arg: '<x>', kind: 'fraction', help: 'SGD momentum (default 0)' },
  nesterov: { kind: 'flag', help: 'SGD with Nesterov momentum' },
  weightDecay: { arg: '<x>', kind: 'nonNegative', help: 'decoupled weight decay, p ← p − lr·wd·p (adamw: 0.004)' },
  clipnorm: { arg: '<x>', kind: 'positive', help: 'clip gradients to this global L2 norm (Keras global_clipnorm)' },
  clipvalue: { arg: '<x>', kind: 'positive', help: 'clip each gradient element to ±x' },
  ema: {
    arg: '<momentum>',
    kind: 'unit',
    help: 'average the weights over training (Keras use_ema; e.g. 0.999 ≈ the last 1000 steps); validate and save the average',
  },
  sam: {
    arg: '<rho>',
    kind: 'positive',
    help: 'sharpness-aware minimization (Keras SAM rho, e.g. 0.05): gradients taken at weights moved ρ uphill; twice the compute per step',
  },
  schedule: {
    arg: '<name>',
    kind: SCHEDULE_NAMES,
    default: 'constant',
    help: `learning-rate schedule: ${SCHEDULE_NAMES.join(', ')}`,
  },
  stepEvery: { arg: '<epochs>', kind: 'positive', default: 5, help: 'step schedule: epochs between decays' },
  stepFactor: { arg: '<x>', kind: 'positive', default: 0.5, help: 'step schedule: multiply the rate by this' },
  decayRate: { arg: '<x>', kind: 'positive', default: 0.95, help: 'exponential schedule: rate multiplier per epoch' },
  warmup: { arg: '<epochs>', kind: 'nonNegative', default: 0, help: 'cosine schedule: linear warm-up epochs' },
  minLr: {
    arg: '<x>',
    kind: 'nonNegative',
    default: 0,
    help: 'cosine schedule: final learning rate; plateau: lower bound',
  },
  reduceOnPlateau: { kind: 'flag', help: 'multiply the rate by --plateau-factor when val_loss stalls' },
  plateauPatience: {
    arg: '<n>',
    kind: 'count',
    default: 3,
    help: 'epochs without val_loss improvement that make a plateau',
  },
  plateauFactor: { arg: '<x>', kind: 'unit', default: 0.2, help: 'rate multiplier on a plateau' },
  earlyStopping: {
    arg: '<patience>',
    kind: 'count',
    help: 'stop when val_loss has not improved for this many epochs',
  },
  restoreBest: { kind: 'flag', help: 'with --early-stopping: end with the weights of the best val_loss epoch' },
  keepBest: { kind: 'flag', help: 'end with (and save) the weights of the epoch with the best val_accuracy' },
  bnReestimate: {
    arg: '<images>',
    kind: 'whole',
    help: 'after every epoch, re-estimate batch-norm statistics from this many training images (fixes early val_*)',
  },
  augment: { arg: '<preset>', kind: AUGMENT_PRESET_NAMES, help: `augmentation: ${AUGMENT_PRESET_NAMES.join(', ')}` },
  rotation: { arg: '<deg>', kind: 'nonNegative', help: 'augmentation: maximum rotation, degrees' },
  shift: { arg: '<f>', kind: 'fraction', help: 'augmentation: maximum translation, fraction of the image size' },
  zoom: { arg: '<f>', kind: 'fraction', help: 'augmentation: scale in [1 − f, 1 + f]' },
  shear: { arg: '<deg>', kind: 'nonNegative', help: 'augmentation: maximum shear, degrees' },
  elastic: { arg: '<alpha,sigma>', kind: 'pair', help: 'augmentation: elastic distortion (Simard et al.: 34,4)' },
  thickness: {
    arg: '<px>',
    kind: 'nonNegative',
    help: 'augmentation: maximum stroke-width change (dilation/erosion passes)',
  },
  loss: { arg: '<name>', kind: LOSS_NAMES, default: 'categorical_crossentropy', help: LOSS_NAMES.join(', ') },
  labelSmoothing: {
    arg: '<x>',
    kind: 'fraction',
    help: 'train against (1 − x)·one-hot + x/classes targets (Keras label_smoothing; categorical loss only)',
  },
  validationSplit: {
    arg: '<f>',
    kind: 'fraction',
    help:
      'hold out this last fraction of the training data for validation (default: 0.1 with --keep-best, ' +
      '--early-stopping or --reduce-on-plateau; else none, and the test set is shown per epoch)',
  },
  seed: {
    arg: '<n>',
    kind: 'whole',
    default: 1,
    help: 'seed for weights, shuffling and dropout; runs repeat exactly (1 as in pytorch/examples)',
  },
} as const satisfies Record<string, OptionSpec>;

export type RecipeOptionName = keyof typeof RECIPE_OPTIONS;

/** An option's value type, from its kind. */
type ValueOf<K> = K extends 'flag'
  ? boolean
  : K extends 'pair'
    ? [number, number]
    : K extends readonly (infer C)[]
      ? C
      : number;
/** Option values as the commands hold them: those with a default are always there. */
export type RecipeOptionValues = {
  [K in RecipeOptionName]: (typeof RECIPE_OPTIONS)[K] extends { default: unknown }
    ? ValueOf<(typeof RECIPE_OPTIONS)[K]['kind']>
    : ValueOf<(typeof RECIPE_OPTIONS)[K]['kind']> | undefined;
};
// The names the option values use are those of the modules that define them.
export type { AugmentPreset, LossName, OptimizerName, ScheduleName };

/** The kebab-case flag of an option name: batchSize → "batch-size". */
export function flagOf(name: string): string {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
