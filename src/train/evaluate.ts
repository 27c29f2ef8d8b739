import type { ImageSet } from '../data/index.js';
import type { Ptr } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { DigitsError } from '../errors.js';

/** Pixel scaling every model here uses unless told otherwise: x / 255. */
export const DEFAULT_SCALE = 1 / 255;

/** How uint8 pixels become model inputs: x · scale + shift (shift defaults to 0). */
export interface InputScaling {
  scale?: number;
  shift?: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

/** Images (and labels) copied into the model's heap, with an index buffer for batches. */
export interface StagedSet {
  images: Ptr;
  labels: Ptr;
  /** Identity indices 0..count−1 (int32), or a permutation during training. */
  index: Ptr;
  count: number;
}

/** Copies a set into the heap after the model's current plan. */
export function stageSet(model: Sequential, set: ImageSet, start = 0, count = set.count): StagedSet {
  const pixels = set.height * set.width;
  if (pixels !== model.inputSize) {
    throw new DigitsError(
      `images are ${set.height}×${set.width} = ${pixels} pixels; the model expects ${model.inputSize} inputs`,
      'E_SHAPE',
    );
  }
  const heap = model.kernels.heap;
  const images = model.stage(set.images.subarray(start * pixels, (start + count) * pixels));
  const labels = set.labels ? model.stage(set.labels.subarray(start, start + count)) : 0;
  const index = heap.alloc(count * 4);
  const idx = heap.i32(index, count);
  for (let i = 0; i < count; i++) idx[i] = i;
  return { images, labels, index, count };
}

/** Checks labels fit the model's outputs. */
export function checkLabels(model: Sequential, set: ImageSet, what: string): void {
  if (!set.labels) return;
  let max = 0;
  for (const l of set.labels) if (l > max) max = l;
  if (max >= model.classes)
    throw new DigitsError(`${what} has label ${max}, but the model has only ${model.classes} classes`, 'E_SHAPE');
}

/** Mean loss and accuracy over a staged set, using the current plan (training or inference). */
export function evaluateStaged(model: Sequential, s: StagedSet, scale: number, shift = 0): Evaluation {
  if (!s.labels) throw new DigitsError('cannot evaluate: the data has no labels', 'E_NO_LABELS');
  const batch = model.plannedBatch;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < s.count; start += batch) {
    const rows = Math.min(batch, s.count - start);
    model.loadBatch(s.images, s.labels, s.index + start * 4, rows, scale, shift);
    const r = model.evaluateStep(rows);
    lossSum += r.lossSum;
    correct += r.correct;
  }
  return { loss: lossSum / s.count, accuracy: correct / s.count, count: s.count };
}

/** Loss and accuracy of the model on a labelled set (Keras's model.evaluate). */
export function evaluate(
  model: Sequential,
  set: ImageSet,
  options: { batchSize?: number } & InputScaling = {},
): Evaluation {
  checkLabels(model, set, 'the evaluation data');
  model.plan(options.batchSize ?? 1000, false);
  return evaluateStaged(model, stageSet(model, set), options.scale ?? DEFAULT_SCALE, options.shift ?? 0);
}

export interface Predictions {
  /** count × classes probabilities (softmax applied if the model outputs logits). */
  probabilities: Float32Array;
  /** Most probable class per image. */
  labels: Uint8Array;
  classes: number;
}

/** Class probabilities and predicted labels for every image of a set (Keras's model.predict + argmax). */
export function predict(
  model: Sequential,
  set: ImageSet,
  options: { batchSize?: number } & InputScaling = {},
): Predictions {
  const batch = options.batchSize ?? 1000;
  model.plan(batch, false);
  const s = stageSet(model, { ...set, labels: null });
  const classes = model.classes;
  const probabilities = new Float32Array(s.count * classes);
  const labels = new Uint8Array(s.count);
  const k = model.kernels;
  for (let start = 0; start < s.count; start += batch) {
    const rows = Math.min(batch, s.count - start);
    model.loadBatch(s.images, 0, s.index + start * 4, rows, options.scale ?? DEFAULT_SCALE, options.shift ?? 0);
    model.forward(rows, false);
    if (!model.outputIsProbability) k.softmax(model.output, model.output, rows, classes);
    probabilities.set(k.heap.f32(model.output, rows * classes), start * classes);
  }
  for (let i = 0; i < s.count; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (probabilities[i * classes + j] > probabilities[i * classes + best]) best = j;
    labels[i] = best;
  }
  return { probabilities, labels, classes };
}
