import type { ImageSet } from '../data/index.js';
import { DigitsError } from '../errors.js';
import type { Sequential } from '../nn/sequential.js';
import { checkLabels, DEFAULT_SCALE, evaluateStaged, stageSet, type StagedSet } from './evaluate.js';
import type { EpochLogs, History } from './history.js';
import { silentProgress, type ProgressReporter } from './progress.js';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Reshuffle the training rows every epoch (default true), with the model's seeded RNG. */
  shuffle?: boolean;
  /** Hold out this last fraction of the training rows for validation, as Keras does (before shuffling). */
  validationSplit?: number;
  /** Or validate on this set (ignored when validationSplit > 0). */
  validationData?: ImageSet | null;
  /** Pixel scale (default 1/255). */
  scale?: number;
  progress?: ProgressReporter;
  /** Called after every epoch, e.g. to save a checkpoint. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void;
}

/** Training diverged: the loss became NaN or infinite. */
export class DivergenceError extends DigitsError {
  constructor(
    readonly epoch: number,
    readonly step: number,
  ) {
    super(`training diverged: loss is not finite at epoch ${epoch}, step ${step} (try a lower --lr)`, 'E_DIVERGED');
  }
}

/** Trains a compiled model on a labelled set (Keras's model.fit). */
export function fit(model: Sequential, train: ImageSet, options: FitOptions): History {
  if (!train.labels) throw new DigitsError('cannot train: the training data has no labels', 'E_NO_LABELS');
  const { epochs, batchSize } = options;
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new RangeError(`epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const split = options.validationSplit ?? 0;
  if (!(split >= 0 && split < 1)) throw new RangeError(`validation split must be in [0, 1), got ${split}`);
  checkLabels(model, train, 'the training data');
  if (options.validationData) checkLabels(model, options.validationData, 'the validation data');

  const scale = options.scale ?? DEFAULT_SCALE;
  const progress = options.progress ?? silentProgress;
  const trainCount = split > 0 ? Math.floor(train.count * (1 - split)) : train.count;
  if (trainCount < 1) throw new RangeError('no training rows left after the validation split');

  model.plan(batchSize, true);
  const staged = stageSet(model, train, 0, trainCount);
  let val: StagedSet | null = null;
  if (split > 0 && trainCount < train.count) val = stageSet(model, train, trainCount, train.count - trainCount);
  else if (options.validationData) val = stageSet(model, options.validationData);

  const heap = model.kernels.heap;
  const order = new Int32Array(trainCount);
  for (let i = 0; i < trainCount; i++) order[i] = i;
  const steps = Math.ceil(trainCount / batchSize);
  const history: History = { epochs: [] };
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      if (options.shuffle ?? true) model.rng.shuffle(order);
      heap.i32(staged.index, trainCount).set(order);
      progress.epochBegin(epoch, epochs, steps);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let step = 0; step < steps; step++) {
        const start = step * batchSize;
        const rows = Math.min(batchSize, trainCount - start);
        model.loadBatch(staged.images, staged.labels, staged.index + start * 4, rows, scale);
        const r = model.trainStep(rows);
        if (!Number.isFinite(r.lossSum)) throw new DivergenceError(epoch, step + 1);
        lossSum += r.lossSum;
        correct += r.correct;
        seen += rows;
        progress.step(step + 1, lossSum / seen, correct / seen);
      }
      const logs: EpochLogs = { loss: lossSum / seen, accuracy: correct / seen, seconds: 0 };
      if (val) {
        const v = evaluateStaged(model, val, scale);
        logs.val_loss = v.loss;
        logs.val_accuracy = v.accuracy;
      }
      logs.seconds = (performance.now() - t0) / 1000;
      history.epochs.push(logs);
      progress.epochEnd(epoch, epochs, logs);
      options.onEpochEnd?.(epoch, logs);
    }
  } finally {
    progress.close();
  }
  return history;
}
