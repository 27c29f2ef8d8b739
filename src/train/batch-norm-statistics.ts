import type { ImageSet } from '../data/index.js';
import type { Layer } from '../nn/layer.js';
import type { Sequential } from '../nn/sequential.js';
import { DEFAULT_SCALE, stageSet, type InputScaling, type StagedSet } from './evaluate.js';

/** A layer whose moving statistics can be re-estimated (batch norm). */
type StatisticsLayer = Layer & Required<Pick<Layer, 'restartStatistics' | 'followMomentum'>>;

function statisticsLayers(model: Sequential): StatisticsLayer[] {
  return model.layers.filter((l): l is StatisticsLayer => !!l.restartStatistics && !!l.followMomentum);
}

/**
 * Replaces every batch-norm layer's moving mean and variance with the average of its batch statistics over
 * the first `count` rows of a staged set (in its index order), using the current plan's batch size. Dropout is
 * off while doing so, and the images are used as given (no augmentation): the statistics describe the
 * weights as they are now, on clean data, as inference will see it.
 */
export function reestimateStaged(model: Sequential, s: StagedSet, count: number, scale: number, shift = 0): void {
  const layers = statisticsLayers(model);
  if (layers.length === 0 || count < 1) return;
  const batch = model.plannedBatch;
  for (const l of layers) l.restartStatistics();
  try {
    for (let start = 0; start < count; start += batch) {
      const rows = Math.min(batch, count - start);
      model.loadBatch(s.images, 0, s.index + start * 4, rows, scale, shift);
      model.forwardForStatistics(rows);
    }
  } finally {
    for (const l of layers) l.followMomentum();
  }
}

export interface ReestimateOptions extends InputScaling {
  /** Use the first this many images of the set (default: all of them). */
  images?: number;
  /** Images per forward pass (default 256): batch statistics are averaged per batch, as in training. */
  batchSize?: number;
}

/**
 * Re-estimates the batch-norm layers' moving statistics from a set of images (PyTorch's `update_bn`): after
 * weights changed by other means than training (averaged, loaded, edited), or when the momentum average lags
 * behind fast-changing weights early in training. Returns how many layers were updated (0: the model has no
 * batch norm, and nothing was run). Leaves the model planned for inference at `batchSize`.
 */
export function reestimateBatchNorm(model: Sequential, set: ImageSet, options: ReestimateOptions = {}): number {
  const layers = statisticsLayers(model).length;
  if (layers === 0) return 0;
  if (set.count < 1) throw new RangeError('no images to re-estimate batch-norm statistics from');
  const count = Math.min(set.count, options.images ?? set.count);
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`images must be a positive integer, got ${count}`);
  const batchSize = options.batchSize ?? 256;
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  model.plan(batchSize, false);
  const staged = stageSet(model, { ...set, labels: null }, 0, count);
  reestimateStaged(model, staged, count, options.scale ?? DEFAULT_SCALE, options.shift ?? 0);
  return layers;
}
