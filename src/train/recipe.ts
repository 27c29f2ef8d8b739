/**
 * A training recipe: everything that decides how a model is trained, as plain JSON data. Checkpoints and model
 * files record it and `--resume` rebuilds a run from it; `recipeFromValues` makes one from the options of
 * recipe-options.ts, and `trainingPlan` turns one into the optimizer, schedule, callbacks and augmenter `fit` takes.
 */
import { AUGMENT_PRESETS, augmentProblem, makeAugmenter, type AugmentOptions } from '../data/augment.js';
import type { LossName } from '../nn/losses.js';
import { makeOptimizer, type Optimizer, type OptimizerName } from '../nn/optimizers/index.js';
import { earlyStopping, keepBest, reduceOnPlateau, type EpochCallback, type Monitor } from './callbacks.js';
import type { FitOptions } from './fit.js';
import { objectiveProblem } from '../nn/sequential.js';
import {
  flagOf,
  RECIPE_OPTIONS,
  valueProblem,
  type RecipeOptionName,
  type RecipeOptionValues,
} from './recipe-options.js';
import { scheduleProblem, type Schedule, type ScheduleName } from './schedules.js';

export interface Recipe {
  /** A preset name, or the Keras model JSON file the architecture came from. */
  model: string;
  epochs: number;
  batch_size: number;
  optimizer: OptimizerName;
  /** Base learning rate (the optimizer's Keras default when absent). */
  learning_rate?: number;
  momentum?: number;
  nesterov?: boolean;
  weight_decay?: number;
  clipnorm?: number;
  clipvalue?: number;
  /** Average the weights with this EMA momentum (Keras use_ema / ema_momentum); absent: no averaging. */
  ema_momentum?: number;
  /** Sharpness-aware minimization's ρ (Keras SharpnessAwareMinimization rho); absent or 0: plain steps. */
  sam_rho?: number;
  loss: LossName;
  /** Label smoothing ε of the categorical cross-entropy (0 or absent: none). */
  label_smoothing?: number;
  validation_split: number | null;
  seed: number;
  data: string;
  schedule?: Schedule;
  /** Lower the learning rate when val_loss stalls. */
  reduce_on_plateau?: { patience: number; factor: number; min_lr?: number } | null;
  /** Stop when val_loss has not improved for `patience` epochs. */
  early_stopping?: { patience: number; restore_best_weights?: boolean } | null;
  /** Finish with the weights of the epoch with the best validation accuracy. */
  keep_best?: boolean;
  augment?: AugmentOptions | null;
  /** Re-estimate batch-norm statistics from this many training images after every epoch (0 or absent: no). */
  reestimate_batch_norm?: number;
}

/** Hooks the caller can attach to the callbacks the recipe asks for. */
export interface PlanHooks {
  /** A new best epoch under keep_best (e.g. save it). */
  onBest?: (epoch: number, value: number) => void | Promise<void>;
}

export interface TrainingPlan {
  optimizer: Optimizer;
  fit: Pick<FitOptions, 'schedule' | 'baseLearningRate' | 'callbacks' | 'augment' | 'reestimateBatchNorm'>;
  /** The keep_best callback, when the recipe keeps the best epoch (its snapshot can be seeded on resume). */
  best: ReturnType<typeof keepBest> | null;
  early: ReturnType<typeof earlyStopping> | null;
}

/** Where each option's value is in a recipe (absent: the option is not used). */
const RECIPE_FIELDS: { [K in RecipeOptionName]?: (r: Recipe) => unknown } = {
  epochs: (r) => r.epochs,
  batchSize: (r) => r.batch_size,
  optimizer: (r) => r.optimizer,
  lr: (r) => r.learning_rate,
  momentum: (r) => r.momentum,
  nesterov: (r) => r.nesterov,
  weightDecay: (r) => r.weight_decay,
  clipnorm: (r) => r.clipnorm,
  clipvalue: (r) => r.clipvalue,
  ema: (r) => r.ema_momentum,
  sam: (r) => r.sam_rho || undefined,
  plateauPatience: (r) => r.reduce_on_plateau?.patience,
  plateauFactor: (r) => r.reduce_on_plateau?.factor,
  earlyStopping: (r) => r.early_stopping?.patience,
  keepBest: (r) => r.keep_best,
  bnReestimate: (r) => r.reestimate_batch_norm,
  loss: (r) => r.loss,
  labelSmoothing: (r) => r.label_smoothing,
  validationSplit: (r) => r.validation_split ?? undefined,
  seed: (r) => r.seed,
};

/**
 * What is wrong with a recipe (from the options, a --config file or a checkpoint), or null: each option by the
 * rule of its kind, the schedule and augmentation by theirs, the objective as the model checks it.
 */
export function recipeProblem(r: Recipe): string | null {
  for (const [name, field] of Object.entries(RECIPE_FIELDS) as [RecipeOptionName, (r: Recipe) => unknown][]) {
    const value = field(r);
    const problem = value === undefined ? null : valueProblem(RECIPE_OPTIONS[name].kind, value);
    if (problem) return `--${flagOf(name)}: ${problem}`;
  }
  const part = (r.schedule && scheduleProblem(r.schedule)) || (r.augment && augmentProblem(r.augment));
  if (part) return part;
  return objectiveProblem({ loss: r.loss, labelSmoothing: r.label_smoothing, samRho: r.sam_rho });
}

/**
 * The recipe that option values describe, for the architecture `model` (a preset or a JSON file) trained on the
 * data set `data`.
 */
export function recipeFromValues(o: RecipeOptionValues, model: string, data: string): Recipe {
  const schedules: Record<ScheduleName, Schedule | undefined> = {
    constant: undefined,
    step: { kind: 'step', every: o.stepEvery, factor: o.stepFactor },
    exponential: { kind: 'exponential', rate: o.decayRate },
    cosine: { kind: 'cosine', warmup: o.warmup, min: o.minLr },
    onecycle: { kind: 'onecycle' },
  };
  return {
    model,
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
    data,
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

/** The part of the training data held out when a recipe selects by validation and gives no validation split. */
export const DEFAULT_SELECTION_SPLIT = 0.1;

/** The optimizer and fit options a recipe describes (for images of h×w pixels). */
export function trainingPlan(r: Recipe, image: { height: number; width: number }, hooks: PlanHooks = {}): TrainingPlan {
  const problem = recipeProblem(r);
  if (problem) throw new RangeError(problem);
  const optimizer = makeOptimizer(r.optimizer, r.learning_rate, r.momentum, r.nesterov, {
    weightDecay: r.weight_decay,
    clipnorm: r.clipnorm,
    clipvalue: r.clipvalue,
    ...(r.ema_momentum !== undefined ? { useEma: true, emaMomentum: r.ema_momentum } : {}),
  });
  const callbacks: EpochCallback[] = [];
  const monitor: Monitor = 'val_loss';
  if (r.reduce_on_plateau)
    callbacks.push(
      reduceOnPlateau({
        monitor,
        patience: r.reduce_on_plateau.patience,
        factor: r.reduce_on_plateau.factor,
        minLr: r.reduce_on_plateau.min_lr,
      }),
    );
  const early = r.early_stopping
    ? earlyStopping({
        monitor,
        patience: r.early_stopping.patience,
        restoreBestWeights: r.early_stopping.restore_best_weights,
      })
    : null;
  if (early) callbacks.push(early);
  const best = r.keep_best ? keepBest({ monitor: 'val_accuracy', onImprove: hooks.onBest }) : null;
  if (best) callbacks.push(best);
  const augment =
    r.augment && Object.keys(r.augment).length ? makeAugmenter(r.augment, image.height, image.width) : undefined;
  return {
    optimizer,
    fit: {
      schedule: r.schedule,
      baseLearningRate: optimizer.learningRate,
      callbacks,
      augment,
      reestimateBatchNorm: r.reestimate_batch_norm,
    },
    best,
    early,
  };
}

/** An augmentation preset's options, or the fine options alone. */
export function augmentOptions(
  preset: keyof typeof AUGMENT_PRESETS | undefined,
  fine: AugmentOptions,
): AugmentOptions | null {
  const base: AugmentOptions = preset ? { ...AUGMENT_PRESETS[preset] } : {};
  const merged = { ...base, ...Object.fromEntries(Object.entries(fine).filter(([, v]) => v !== undefined)) };
  return Object.keys(merged).length ? merged : null;
}
