/**
 * The digit classifier on preprocessed 28×28 views: one batch through the model, a label and probabilities each.
 */
import type { Sequential } from '../nn/sequential.js';
import { predict } from '../train/evaluate.js';
import { networkOf, type DigitModel } from './digit-model.js';
import type { PreprocessOptions, Preprocessed } from './preprocess.js';

export interface Classification {
  /** The most probable digit. */
  label: number;
  /** Its probability. */
  confidence: number;
  /** One probability per class. */
  probabilities: number[];
  /** Where the ink was found in the input image, and whether the input was dark-on-light. */
  box: Preprocessed['box'];
  inverted: boolean;
  /** What the model was given: the digit preprocessed the MNIST way (size × size bytes, light ink on black). */
  input: Uint8Array;
}

/** Preprocessing options, and the input scaling when it should differ from the model's own. */
export type ClassifyOptions = PreprocessOptions & { scale?: number; shift?: number };

/** Classifies preprocessed digits in one batch. */
export function classifyPreprocessed(
  model: DigitModel | Sequential,
  prepared: Preprocessed[],
  options: ClassifyOptions = {},
): Classification[] {
  if (prepared.length === 0) return [];
  const { network, scale, shift } = networkOf(model, options);
  const size = options.size ?? 28;
  const pixels = new Uint8Array(prepared.length * size * size);
  prepared.forEach((p, i) => pixels.set(p.pixels, i * size * size));
  const shape = network.inputShape;
  const [height, width] = shape.length >= 2 ? [shape[0], shape[1]] : [size, size];
  const p = predict(network, { count: prepared.length, height, width, images: pixels, labels: null }, { scale, shift });
  return prepared.map((pre, i) => {
    const probabilities = Array.from(p.probabilities.subarray(i * p.classes, (i + 1) * p.classes));
    const label = p.labels[i];
    return {
      label,
      confidence: probabilities[label],
      probabilities,
      box: pre.box,
      inverted: pre.inverted,
      input: pre.pixels,
    };
  });
}
