import type { ImageSet } from '../data/index.js';
import { DigitsError } from '../errors.js';
import { overwriteWithAverages, swapAverages, weightAverages } from '../nn/optimizers/index.js';
import type { Sequential } from '../nn/sequential.js';
import { reestimateStaged } from './batch-norm-statistics.js';
import { checkLabels, DEFAULT_SCALE, evaluateStaged, stageSet, type StagedSet } from './evaluate.js';
import type { EpochLogs, History } from './history.js';
import { silentProgress, type ProgressReporter } from './progress-reporter.js';
import type { EpochCallback } from './callbacks.js';
import { learningRateAt, type Schedule } from './schedules.js';

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
  /** Called after every epoch with the state a checkpoint needs. May be async (awaited). */
  onEpochEnd?: (epoch: number, logs: EpochLogs, state: TrainingState) => void | Promise<void>;
  /** Continue from a checkpointed state (model weights and optimizer state must already be restored). */
  resume?: TrainingState;
  /** Aborting stops training between two steps with a TrainingInterrupted error carrying the state. */
  signal?: AbortSignal;
  /** Learning-rate schedule, evaluated before every step (default: the optimizer's rate throughout). */
  schedule?: Schedule;
  /** The rate the schedule starts from (default: the optimizer's rate when fit starts). */
  baseLearningRate?: number;
  /** Early stopping, reduce-on-plateau, keep-best… run after every epoch, in order. */
  callbacks?: EpochCallback[];
  /**
   * Replaces each batch's images before they reach the model (data augmentation): gets the batch's uint8
   * images (rows × pixels, in batch order) and writes the augmented ones into `out`, drawing randomness from
   * `random` (the model's seeded RNG, so runs repeat and resume exactly).
   */
  augment?: (images: Uint8Array, rows: number, out: Uint8Array, random: () => number) => void;
  /**
   * After every epoch (before validation), re-estimate the batch-norm statistics from this many training
   * images (the first ones of the epoch's shuffled order, without augmentation or dropout) instead of keeping
   * the momentum averages, which lag behind fast-changing weights in early epochs. 0 (default): Keras's way.
   */
  reestimateBatchNorm?: number;
}

/**
 * Where training stands, enough to continue bit-identically: each epoch's order is a fresh shuffle of
 * 0..n−1 drawn from the model RNG (as Keras does), so the RNG state before the shuffle regenerates it.
 */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** Steps completed within the next epoch (0 at an epoch boundary). */
  step: number;
  /** Model RNG state before the current epoch's shuffle (mid-epoch only). */
  rngAtEpochStart: number[] | null;
  /** Model RNG state now. */
  rng: number[];
  /** Running sums of the epoch in progress. */
  partial: { lossSum: number; correct: number; seen: number; seconds: number };
  history: EpochLogs[];
}

/**
 * Checks a TrainingState read back from a file (JSON), so a damaged checkpoint is refused up front rather than
 * failing somewhere inside training. Returns what is wrong, or null when it is usable.
 */
export function trainingStateProblem(s: unknown): string | null {
  const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  const rng = (v: unknown) => Array.isArray(v) && v.length === 4 && v.every((x) => Number.isInteger(x));
  if (!s || typeof s !== 'object') return 'no training state';
  const t = s as Partial<Record<keyof TrainingState, unknown>>;
  if (!count(t.epoch) || !count(t.step)) return 'epoch and step must be non-negative integers';
  if (!rng(t.rng) || !(t.rngAtEpochStart === null || rng(t.rngAtEpochStart))) return 'bad RNG state';
  if ((t.step as number) > 0 && t.rngAtEpochStart === null) return 'a mid-epoch state needs the epoch-start RNG';
  const p = t.partial as Record<string, unknown> | undefined;
  if (!p || !['lossSum', 'correct', 'seen', 'seconds'].every((k) => Number.isFinite(p[k]))) return 'bad running sums';
  if (!Array.isArray(t.history) || t.history.length !== t.epoch || !t.history.every((e) => e && typeof e === 'object'))
    return 'history must hold one entry per completed epoch';
  return null;
}

/** Training was stopped by its AbortSignal (e.g. Ctrl-C); `state` says where. */
export class TrainingInterrupted extends DigitsError {
  constructor(readonly state: TrainingState) {
    super(`training interrupted at epoch ${state.epoch + 1}, step ${state.step}`, 'E_INTERRUPTED');
  }
}

/** Training diverged: the loss became NaN or infinite. */
export class DivergenceError extends DigitsError {
  constructor(
    readonly epoch: number,
    readonly step: number,
  ) {
    super(
      `training diverged: loss or weights not finite at epoch ${epoch}, step ${step} (try a lower --lr)`,
      'E_DIVERGED',
    );
  }
}

/**
 * How often the step loop yields to the event loop when it has an AbortSignal to watch. A turn costs a few
 * milliseconds in a browser's worker (every 50 ms it was 0.15 s of a 3.3 s epoch); a stop still lands within 0.2 s.
 */
const YIELD_MS = 200;
/**
 * One turn of the event loop: Node's setImmediate; in browsers a message to ourselves (a chain of zero timers is
 * clamped to 4 ms each, 8 % of a 50 ms stretch of training).
 */
function nextTurn(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Trains a compiled model on a labelled set (Keras's model.fit). */
export async function fit(model: Sequential, train: ImageSet, options: FitOptions): Promise<History> {
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
  const reestimate = Math.min(options.reestimateBatchNorm ?? 0, trainCount);
  if (!(Number.isInteger(reestimate) && reestimate >= 0))
    throw new RangeError(`reestimateBatchNorm must be a non-negative integer, got ${options.reestimateBatchNorm}`);

  model.plan(batchSize, true);
  const staged = stageSet(model, train, 0, trainCount);
  let val: StagedSet | null = null;
  if (split > 0 && trainCount < train.count) val = stageSet(model, train, trainCount, train.count - trainCount);
  else if (options.validationData) val = stageSet(model, options.validationData);

  const heap = model.kernels.heap;
  const order = new Int32Array(trainCount);
  const steps = Math.ceil(trainCount / batchSize);
  const resume = options.resume;
  const history: History = { epochs: resume ? resume.history.map((e) => ({ ...e })) : [] };
  const shuffle = options.shuffle ?? true;
  let lastYield = performance.now();
  const callbacks = options.callbacks ?? [];
  if (resume) for (const cb of callbacks) cb.replay?.(resume.history);
  const optimizer = model.optimizer;
  // With weight averaging (useEma), each epoch is validated on the averages, and training ends with them.
  const averages = optimizer ? weightAverages(optimizer) : null;
  const baseLr = options.baseLearningRate ?? optimizer?.learningRate ?? 0;
  const schedule = options.schedule ?? { kind: 'constant' };
  const scheduled = options.schedule !== undefined || callbacks.some((cb) => cb.adjustLearningRate);
  const learningRate = (t: number) =>
    callbacks.reduce(
      (lr, cb) => cb.adjustLearningRate?.(lr) ?? lr,
      learningRateAt(schedule, baseLr, t, epochs, 1 / steps),
    );
  // Augmented batches go through a uint8 staging area of one batch, gathered from there in order.
  const pixels = train.height * train.width;
  const augmentIn = options.augment ? new Uint8Array(batchSize * pixels) : null;
  const augmentOut = options.augment ? new Uint8Array(batchSize * pixels) : null;
  const augmentArea = options.augment ? heap.alloc(batchSize * pixels) : 0;
  const identity = options.augment ? heap.alloc(batchSize * 4) : 0;
  if (identity) heap.i32(identity, batchSize).set(Int32Array.from({ length: batchSize }, (_, i) => i));
  const random = () => model.rng.next();
  let stop = false;
  try {
    for (let epoch = (resume?.epoch ?? 0) + 1; epoch <= epochs; epoch++) {
      const midEpoch = resume && epoch === resume.epoch + 1 && resume.step > 0 ? resume : null;
      if (resume && epoch === resume.epoch + 1) model.rng.state = midEpoch?.rngAtEpochStart ?? resume.rng;
      const rngAtEpochStart = model.rng.state;
      for (let i = 0; i < trainCount; i++) order[i] = i;
      if (shuffle) model.rng.shuffle(order);
      if (midEpoch) model.rng.state = midEpoch.rng;
      heap.i32(staged.index, trainCount).set(order);
      const t0 = performance.now() - (midEpoch?.partial.seconds ?? 0) * 1000;
      progress.epochBegin(epoch, epochs, steps);
      let lossSum = midEpoch?.partial.lossSum ?? 0;
      let correct = midEpoch?.partial.correct ?? 0;
      let seen = midEpoch?.partial.seen ?? 0;
      for (let step = midEpoch?.step ?? 0; step < steps; step++) {
        // Steps run synchronously; let signal handlers (Ctrl-C) run every so often so an abort lands mid-epoch.
        if (options.signal && performance.now() - lastYield > YIELD_MS) {
          await nextTurn();
          lastYield = performance.now();
        }
        if (options.signal?.aborted) {
          // At step 0 nothing of this epoch has happened yet: record it as a boundary (pre-shuffle RNG).
          throw new TrainingInterrupted({
            epoch: epoch - 1,
            step,
            rngAtEpochStart: step > 0 ? rngAtEpochStart : null,
            rng: step > 0 ? model.rng.state : rngAtEpochStart,
            partial: { lossSum, correct, seen, seconds: (performance.now() - t0) / 1000 },
            history: history.epochs.map((e) => ({ ...e })),
          });
        }
        const start = step * batchSize;
        const rows = Math.min(batchSize, trainCount - start);
        if (scheduled && optimizer) optimizer.learningRate = learningRate(epoch - 1 + step / steps);
        if (options.augment) {
          for (let r = 0; r < rows; r++) {
            const src = order[start + r] * pixels;
            augmentIn!.set(train.images.subarray(src, src + pixels), r * pixels);
          }
          options.augment(augmentIn!, rows, augmentOut!, random);
          heap.u8(augmentArea, rows * pixels).set(augmentOut!.subarray(0, rows * pixels));
          model.loadBatch(augmentArea, 0, identity, rows, scale);
          model.kernels.gatherLabels(staged.labels, staged.index + start * 4, rows, model.labels);
        } else model.loadBatch(staged.images, staged.labels, staged.index + start * 4, rows, scale);
        const r = model.trainStep(rows);
        if (!Number.isFinite(r.lossSum)) throw new DivergenceError(epoch, step + 1);
        lossSum += r.lossSum;
        correct += r.correct;
        seen += rows;
        progress.step(step + 1, lossSum / seen, correct / seen);
      }
      // The last step's update can overflow the weights after a finite loss; never checkpoint such weights.
      if (!weightsFinite(model)) throw new DivergenceError(epoch, steps);
      const logs: EpochLogs = { loss: lossSum / seen, accuracy: correct / seen, seconds: 0 };
      if (averages) swapAverages(heap, averages);
      try {
        if (reestimate > 0) reestimateStaged(model, staged, reestimate, scale);
        if (optimizer) logs.learning_rate = optimizer.learningRate;
        if (val) {
          const v = evaluateStaged(model, val, scale);
          logs.val_loss = v.loss;
          logs.val_accuracy = v.accuracy;
        }
        logs.seconds = (performance.now() - t0) / 1000;
        history.epochs.push(logs);
        progress.epochEnd(epoch, epochs, logs);
        for (const cb of callbacks) if (await cb.onEpochEnd?.(epoch, logs, model)) stop = true;
      } finally {
        // Back to the live weights: training goes on from them, and a checkpoint holds both.
        if (averages) swapAverages(heap, averages);
      }
      await options.onEpochEnd?.(epoch, logs, {
        epoch,
        step: 0,
        rngAtEpochStart: null,
        rng: model.rng.state,
        partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
        history: history.epochs.map((e) => ({ ...e })),
      });
      if (stop) break;
    }
    // (No step taken yet, e.g. 0 epochs: the averages hold nothing.)
    if (averages && optimizer!.iterations > 0) overwriteWithAverages(model.kernels, averages);
    for (const cb of callbacks) cb.onTrainEnd?.(model);
  } finally {
    progress.close();
  }
  return history;
}

function weightsFinite(model: Sequential): boolean {
  const heap = model.kernels.heap;
  for (const p of model.params) {
    const w = heap.f32(p.value, p.size);
    for (let i = 0; i < w.length; i++) if (!Number.isFinite(w[i])) return false;
  }
  return true;
}
