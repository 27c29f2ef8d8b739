/**
 * Epoch-end callbacks with Keras's semantics: early stopping, reduce-on-plateau, keep-best weights. Each one's
 * state follows from the history alone (plus weight snapshots), so `replay` rebuilds it for a resumed run.
 */
import type { Sequential } from '../nn/sequential.js';
import type { EpochLogs } from './history.js';

export type Monitor = 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';
export const MONITORS: readonly Monitor[] = ['val_loss', 'val_accuracy', 'loss', 'accuracy'];

export interface EpochCallback {
  /** After each epoch; returning true stops training (after this epoch). */
  onEpochEnd?(epoch: number, logs: EpochLogs, model: Sequential): boolean | void | Promise<boolean | void>;
  /** When training ends (normally, by a stop, or not at all if it throws). */
  onTrainEnd?(model: Sequential): void;
  /** Maps the scheduled learning rate to the one used (reduce-on-plateau lowers it). */
  adjustLearningRate?(lr: number): number;
  /** Rebuilds the state from the epochs a resumed run already has. */
  replay?(history: readonly EpochLogs[]): void;
}

/** Tracks the best value of a monitored metric (lower is better for losses, higher for accuracies). */
class Best {
  value = NaN;
  epoch = 0;
  constructor(
    readonly monitor: Monitor,
    readonly minDelta: number,
  ) {}

  private get lowerIsBetter(): boolean {
    return this.monitor.endsWith('loss');
  }

  /** Reads the metric; throws when the logs lack it (e.g. val_loss without validation data). */
  read(logs: EpochLogs): number {
    const v = logs[this.monitor];
    if (typeof v !== 'number') throw new RangeError(`cannot monitor ${this.monitor}: training has no validation data`);
    return v;
  }

  /** Whether `v` improves on the best by more than minDelta; records it if so. */
  update(v: number, epoch: number): boolean {
    const better = Number.isNaN(this.value)
      ? true
      : this.lowerIsBetter
        ? v < this.value - this.minDelta
        : v > this.value + this.minDelta;
    if (better) {
      this.value = v;
      this.epoch = epoch;
    }
    return better;
  }
}

/** A copy of every parameter value (weights and batch-norm statistics). */
export type WeightSnapshot = Float32Array[];

export function snapshotWeights(model: Sequential): WeightSnapshot {
  return model.params.map((p) => model.kernels.heap.f32(p.value, p.size).slice());
}

export function restoreWeights(model: Sequential, snapshot: WeightSnapshot): void {
  model.params.forEach((p, i) => model.kernels.heap.f32(p.value, p.size).set(snapshot[i]));
}

export interface EarlyStoppingOptions {
  monitor?: Monitor;
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  minDelta?: number;
  /** At the end, put back the weights of the best epoch (default false, as Keras). */
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored metric has not improved for `patience` epochs. */
export function earlyStopping(o: EarlyStoppingOptions = {}): EpochCallback & { stoppedEpoch: number } {
  const best = new Best(o.monitor ?? 'val_loss', o.minDelta ?? 0);
  const patience = o.patience ?? 5;
  let wait = 0;
  let snapshot: WeightSnapshot | null = null;
  const cb = {
    stoppedEpoch: 0,
    onEpochEnd(epoch: number, logs: EpochLogs, model: Sequential): boolean {
      if (best.update(best.read(logs), epoch)) {
        wait = 0;
        if (o.restoreBestWeights) snapshot = snapshotWeights(model);
        return false;
      }
      if (++wait >= patience) {
        cb.stoppedEpoch = epoch;
        return true;
      }
      return false;
    },
    onTrainEnd(model: Sequential): void {
      if (o.restoreBestWeights && snapshot) restoreWeights(model, snapshot);
    },
    replay(history: readonly EpochLogs[]): void {
      history.forEach((logs, i) => {
        if (best.update(best.read(logs), i + 1)) wait = 0;
        else wait++;
      });
    },
  };
  return cb;
}

export interface ReduceOnPlateauOptions {
  monitor?: Monitor;
  /** Multiply the learning rate by this on a plateau (default 0.1). */
  factor?: number;
  /** Epochs without improvement that make a plateau (default 10). */
  patience?: number;
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The learning rate never goes below this (default 0). */
  minLr?: number;
}

/** Keras's ReduceLROnPlateau: scales the learning rate down when the monitored metric stalls. */
export function reduceOnPlateau(o: ReduceOnPlateauOptions = {}): EpochCallback & { readonly scale: number } {
  const best = new Best(o.monitor ?? 'val_loss', o.minDelta ?? 1e-4);
  const factor = o.factor ?? 0.1;
  if (!(factor > 0 && factor < 1)) throw new RangeError(`plateau factor must be in (0, 1), got ${factor}`);
  const patience = o.patience ?? 10;
  const cooldown = o.cooldown ?? 0;
  let wait = 0;
  let cooling = 0;
  let scale = 1;
  const step = (logs: EpochLogs, epoch: number) => {
    if (cooling > 0) cooling--;
    if (best.update(best.read(logs), epoch)) wait = 0;
    else if (cooling === 0 && ++wait >= patience) {
      scale *= factor;
      cooling = cooldown;
      wait = 0;
    }
  };
  return {
    get scale() {
      return scale;
    },
    onEpochEnd(epoch: number, logs: EpochLogs): boolean {
      step(logs, epoch);
      return false;
    },
    adjustLearningRate: (lr: number) => (scale < 1 ? Math.max(lr * scale, o.minLr ?? 0) : lr),
    replay(history: readonly EpochLogs[]): void {
      history.forEach((logs, i) => step(logs, i + 1));
    },
  };
}

export interface KeepBestOptions {
  /** Default val_accuracy. */
  monitor?: Monitor;
  /** Called after a new best epoch has been snapshotted (e.g. to save it). */
  onImprove?: (epoch: number, value: number) => void | Promise<void>;
}

/** Keeps the weights of the best epoch and puts them back when training ends. */
export function keepBest(o: KeepBestOptions = {}): EpochCallback & {
  readonly best: { epoch: number; value: number };
  /** The best weights so far (e.g. read back from a checkpoint directory when resuming). */
  snapshot: WeightSnapshot | null;
} {
  const best = new Best(o.monitor ?? 'val_accuracy', 0);
  const cb = {
    snapshot: null as WeightSnapshot | null,
    get best() {
      return { epoch: best.epoch, value: best.value };
    },
    async onEpochEnd(epoch: number, logs: EpochLogs, model: Sequential): Promise<boolean> {
      const v = best.read(logs);
      if (best.update(v, epoch)) {
        cb.snapshot = snapshotWeights(model);
        await o.onImprove?.(epoch, v);
      }
      return false;
    },
    onTrainEnd(model: Sequential): void {
      if (cb.snapshot) restoreWeights(model, cb.snapshot);
    },
    replay(history: readonly EpochLogs[]): void {
      history.forEach((logs, i) => best.update(best.read(logs), i + 1));
    },
  };
  return cb;
}
