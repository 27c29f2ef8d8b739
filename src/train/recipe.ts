/**
 * A training recipe: everything that decides how a model is trained, as plain JSON data. It is what `--config`
 * files hold, what checkpoints and model files record, and what `--resume` rebuilds a run from. `trainingPlan` turns one into the optimizer, schedule, callbacks and augmenter `fit` takes.
 */
import { AUGMENT_PRESETS, augmentProblem, makeAugmenter, type AugmentOptions } from '../data/augment.js';
import type { LossName } from '../nn/losses.js';
import { makeOptimizer, type Optimizer, type OptimizerName } from '../nn/optimizers/index.js';
import { earlyStopping, keepBest, reduceOnPlateau, type EpochCallback, type Monitor } from './callbacks.js';
import type { FitOptions } from './fit.js';
import { scheduleProblem, type Schedule } from './schedules.js';

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

/** Checks a recipe's optional parts; returns what is wrong, or null. */
export function recipeProblem(r: Recipe): string | null {
  if (r.schedule) {
    const p = scheduleProblem(r.schedule);
    if (p) return p;
  }
  if (r.augment) {
    const p = augmentProblem(r.augment);
    if (p) return p;
  }
  const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (r.early_stopping && !positiveInt(r.early_stopping.patience)) return 'early-stopping patience must be ≥ 1';
  if (r.reduce_on_plateau && !positiveInt(r.reduce_on_plateau.patience)) return 'plateau patience must be ≥ 1';
  if (r.reduce_on_plateau && !(r.reduce_on_plateau.factor > 0 && r.reduce_on_plateau.factor < 1))
    return 'plateau factor must be in (0, 1)';
  const ls = r.label_smoothing;
  if (ls !== undefined && !(ls >= 0 && ls < 1)) return 'label smoothing must be in [0, 1)';
  if (ls && r.loss === 'sparse_categorical_crossentropy') return 'label smoothing needs categorical_crossentropy';
  const ema = r.ema_momentum;
  if (ema !== undefined && !(ema > 0 && ema < 1)) return 'EMA momentum must be in (0, 1)';
  const rho = r.sam_rho;
  if (rho !== undefined && !(Number.isFinite(rho) && rho >= 0)) return 'SAM rho must be a non-negative number';
  const n = r.reestimate_batch_norm;
  if (n !== undefined && !(Number.isInteger(n) && n >= 0)) return 'batch-norm re-estimation images must be ≥ 0';
  return null;
}

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
