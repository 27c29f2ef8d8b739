/**
 * One handwritten digit per image: decode, preprocess the MNIST way (preprocess.ts), classify.
 */
import type { Sequential } from '../nn/sequential.js';
import { predict } from '../train/evaluate.js';
import { decodeImage, type ImageInput } from './image-input.js';
import { networkOf, type DigitModel } from './digit-model.js';
import { preprocess, type PreprocessOptions, type Preprocessed } from './preprocess.js';

export interface Recognition {
  /** The most probable digit. */
  label: number;
  /** Its probability. */
  confidence: number;
  /** One probability per class. */
  probabilities: number[];
  /** Where the ink was found in the input image, and whether the input was dark-on-light. */
  box: Preprocessed['box'];
  inverted: boolean;
}

/** Preprocessing options, and the input scaling when it should differ from the model's own. */
export type RecognizeOptions = PreprocessOptions & { scale?: number; shift?: number };

/** Classifies preprocessed digits in one batch. */
export function classifyPreprocessed(
  model: DigitModel | Sequential,
  prepared: Preprocessed[],
  options: RecognizeOptions = {},
): Recognition[] {
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
    return { label, confidence: probabilities[label], probabilities, box: pre.box, inverted: pre.inverted };
  });
}

/** Recognises the digit in each image, classifying them together in one batch. */
export async function recognizeAll(
  model: DigitModel | Sequential,
  images: ImageInput[],
  options: RecognizeOptions = {},
): Promise<Recognition[]> {
  const prepared: Preprocessed[] = [];
  for (const [i, image] of images.entries()) {
    prepared.push(preprocess(await decodeImage(image, `image ${i + 1}`), options));
  }
  return classifyPreprocessed(model, prepared, options);
}

/**
 * Recognises the digit in one image: a file path or PNG/JPEG/WebP/… bytes in Node, or pixels (ImageData, a
 * canvas's ImageData, {data, width, height, channels}) anywhere. `model` is what `loadModel()` gives, or a bare
 * network (then pixels are scaled by 1/255 unless options say otherwise).
 */
export async function recognize(
  model: DigitModel | Sequential,
  image: ImageInput,
  options: RecognizeOptions = {},
): Promise<Recognition> {
  return (await recognizeAll(model, [image], options))[0];
}
