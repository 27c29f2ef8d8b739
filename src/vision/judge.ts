/**
 * The digit judge's verdict (DigitModel.judge): for 28×28 views as the classifier reads them, the probability that
 * each shows one digit rather than a letter, a symbol, a mark or several digits. It looks at the shape alone, where
 * the verifier looks at ink as segmentation cut it.
 */
import type { Sequential } from '../nn/sequential.js';
import { predict } from '../train/evaluate.js';
import { networkOf } from './digit-model.js';

/**
 * Default least judge probability for an image to be a digit (recognize(), and detect() where it reads one digit
 * alone): where 0.09 % of MNIST test, 0.32 % of USPS, 1.95 % of MNIST test digits redrawn with a pen and 0.6 % of
 * digits printed in held-out fonts are wrongly rejected, and 81.3 % of held-out letters and symbols are rejected
 * (docs/vision.md: Not a digit).
 */
export const MIN_JUDGEMENT = 0.8;

/** P(class 1) of a two-class network for each input of height × width pixels; 0 where there is none. */
export function classOneProbability(
  network: Sequential,
  inputs: readonly (Uint8Array | null)[],
  height: number,
  width: number,
): Float32Array {
  const out = new Float32Array(inputs.length);
  const present = inputs.flatMap((x, i) => (x ? [i] : []));
  if (present.length === 0) return out;
  const size = height * width;
  const pixels = new Uint8Array(present.length * size);
  present.forEach((i, k) => pixels.set(inputs[i]!, k * size));
  const { network: net, scale, shift } = networkOf(network);
  const p = predict(net, { count: present.length, height, width, images: pixels, labels: null }, { scale, shift });
  present.forEach((i, k) => (out[i] = p.probabilities[k * p.classes + 1]));
  return out;
}

/** P(one digit) of each 28×28 view (a Preprocessed's pixels); 0 where there is none. */
export function judgeDigitness(judge: Sequential, views: readonly (Uint8Array | null)[]): Float32Array {
  return classOneProbability(judge, views, 28, 28);
}
