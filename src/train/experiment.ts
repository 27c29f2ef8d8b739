/**
 * A grid of training runs that differ only in optimizer and learning rate (same model, data, seed and epochs),
 * as the seed project's "future work" asks: which optimizer and rate suit this network. Each run gets a fresh
 * engine, validates on held-out training rows, and is finally scored on the test set.
 */
import { classCount, type ImageSet } from '../data/index.js';
import { DigitsError } from '../errors.js';
import { createKernels, type Kernels } from '../kernels/index.js';
import { makeOptimizer, type OptimizerName } from '../nn/optimizers/index.js';
import { preset, type PresetName } from '../nn/presets.js';
import type { Sequential } from '../nn/sequential.js';
import { evaluate } from './evaluate.js';
import { DivergenceError, fit } from './fit.js';
import type { History } from './history.js';
import type { ExperimentSettings } from '../report/experiment.js';
import type { ProgressReporter } from './progress.js';

export interface ExperimentOptions {
  optimizers: OptimizerName[];
  learningRates: number[];
  /** The preset every run trains, or the name of what `makeModel` makes. */
  model: PresetName | string;
  /** Makes each run's model on its kernels (built, not compiled) when `model` is not a preset. */
  makeModel?: (kernels: Kernels, seed: number, classes: number, image: [number, number]) => Promise<Sequential>;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Fraction of the training rows held out for validation (the test set stays unseen until the end). */
  validationSplit: number;
  /** SGD momentum (ignored by the other optimizers). */
  momentum?: number;
  /** Re-estimate batch-norm statistics from this many training images after every epoch (see FitOptions). */
  reestimateBatchNorm?: number;
  /** Every run averages its weights with this EMA momentum (the optimizers' useEma); absent: no averaging. */
  emaMomentum?: number;
  /** Every run takes sharpness-aware steps with this ρ (Sequential.samRho); absent or 0: plain steps. */
  samRho?: number;
  threads?: number;
  /** Told before each run starts (index, of, optimizer, rate). */
  onRunStart?: (index: number, total: number, optimizer: OptimizerName, learningRate: number) => void;
  /** Per-run progress (e.g. one line per epoch). */
  progress?: ProgressReporter;
}

export interface ExperimentRun {
  optimizer: OptimizerName;
  learning_rate: number;
  /** Best validation accuracy over the epochs, and its epoch (1-based); null when the run diverged at once. */
  best_val_accuracy: number | null;
  best_epoch: number | null;
  /** Test accuracy and loss of the final weights; null when the run diverged. */
  test_accuracy: number | null;
  test_loss: number | null;
  /** Training wall-clock seconds. */
  seconds: number;
  /** Why the run stopped early (non-finite loss), or null. */
  diverged: string | null;
  history: History;
}

/** What every run shared (null where not used), and the runs. */
export interface ExperimentResult extends ExperimentSettings {
  runs: ExperimentRun[];
}

/** Trains every optimizer × learning-rate pair in order and scores each. */
export async function runExperiment(
  train: ImageSet,
  test: ImageSet | null,
  o: ExperimentOptions,
): Promise<ExperimentResult> {
  const grid = o.optimizers.flatMap((optimizer) => o.learningRates.map((lr) => [optimizer, lr] as const));
  const runs: ExperimentRun[] = [];
  const classes = classCount([train, test]);
  for (const [i, [optimizer, lr]] of grid.entries()) {
    o.onRunStart?.(i, grid.length, optimizer, lr);
    const kernels = await createKernels({ threads: o.threads });
    try {
      const image: [number, number] = [train.height, train.width];
      const model = o.makeModel
        ? await o.makeModel(kernels, o.seed, classes, image)
        : preset(o.model as PresetName, classes, image).build(kernels, o.seed);
      if (model.classes !== classes)
        throw new DigitsError(
          `${o.model}: the model outputs ${model.classes} values, but the data has ${classes} classes`,
          'E_SHAPE',
        );
      const averaging = o.emaMomentum !== undefined ? { useEma: true, emaMomentum: o.emaMomentum } : {};
      const momentum = optimizer === 'sgd' ? o.momentum : undefined;
      model.compile({ optimizer: makeOptimizer(optimizer, lr, momentum, undefined, averaging), samRho: o.samRho });
      const started = performance.now();
      let history: History = { epochs: [] };
      let diverged: string | null = null;
      try {
        history = await fit(model, train, {
          epochs: o.epochs,
          batchSize: o.batchSize,
          validationSplit: o.validationSplit,
          reestimateBatchNorm: o.reestimateBatchNorm,
          progress: o.progress,
          onEpochEnd: (_epoch, logs) => void history.epochs.push(logs),
        });
      } catch (e) {
        if (!(e instanceof DivergenceError)) throw e;
        diverged = e.message;
      }
      const seconds = (performance.now() - started) / 1000;
      const vals = history.epochs.map((e) => e.val_accuracy ?? Number.NaN);
      const best = vals.reduce((b, v, j) => (v > (vals[b] ?? -1) ? j : b), -1);
      const score = !diverged && test?.labels ? evaluate(model, test) : null;
      runs.push({
        optimizer,
        learning_rate: lr,
        best_val_accuracy: best >= 0 ? vals[best] : null,
        best_epoch: best >= 0 ? best + 1 : null,
        test_accuracy: score?.accuracy ?? null,
        test_loss: score?.loss ?? null,
        seconds,
        diverged,
        history,
      });
    } finally {
      await kernels.dispose();
    }
  }
  return {
    model: o.model,
    epochs: o.epochs,
    batch_size: o.batchSize,
    seed: o.seed,
    validation_split: o.validationSplit,
    momentum: o.optimizers.includes('sgd') ? (o.momentum ?? null) : null,
    bn_reestimate: o.reestimateBatchNorm || null,
    ema_momentum: o.emaMomentum ?? null,
    sam_rho: o.samRho || null,
    runs,
  };
}
