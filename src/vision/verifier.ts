/**
 * The segmentation verifier's judgement (DigitModel.verifier): for candidates of a segmentation, the probability
 * that each is one whole digit, from its digit view beside its view at the line's scale. detect() weighs its
 * readings with it; recognize() asks it about the whole of an image's ink.
 */
import type { Sequential } from '../nn/sequential.js';
import { classOneProbability } from './judge.js';
import type { Preprocessed } from './preprocess.js';
import {
  contextView,
  cropOf,
  digitView,
  join,
  segment,
  verifierInput,
  VIEW_SIZE,
  type Candidate,
  type Segmentation,
} from './segment.js';

/** P(one whole digit) of each candidate, given its digit view (28×28) and its crop of the ink image. */
export function candidateDigitness(
  verifier: Sequential,
  s: Segmentation,
  items: readonly { cand: Candidate; view: Uint8Array; crop: Uint8Array }[],
): Float32Array {
  return verifierDigitness(
    verifier,
    items.map((v) => verifierInput(v.view, contextView(s, v.cand, v.crop))),
  );
}

/** How much a preprocessed 28×28 view is enlarged before it is segmented as a picture (digits 60 px tall). */
const ENLARGE = 3;
/**
 * Paper added around it (px): segment() takes ink within a few pixels of the picture's edge for a frame or a sheet's
 * edge, and without this margin it found nothing in one USPS 0 or 8 in twelve.
 */
const MARGIN = 28;

/**
 * The verifier's input for a whole image, from its MNIST-style view (preprocess()): the view enlarged to the size
 * of the digits detect() sees in pictures, segmented as a picture, and all its ink taken as one candidate. Working
 * from the view, not the picture, makes a tight crop, a 28×28 MNIST digit and a photo look alike to the verifier.
 * Null when segmentation finds no ink there (a faint mark, a lone straight line).
 */
export function wholeViewInput(view: Preprocessed): Uint8Array | null {
  const n = VIEW_SIZE * ENLARGE;
  const side = n + 2 * MARGIN;
  const big = new Uint8Array(side * side);
  for (let y = 0; y < n; y++) {
    const v = Math.min(VIEW_SIZE - 1, Math.max(0, (y + 0.5) / ENLARGE - 0.5));
    const y0 = Math.floor(v);
    const y1 = Math.min(VIEW_SIZE - 1, y0 + 1);
    const fy = v - y0;
    for (let x = 0; x < n; x++) {
      const u = Math.min(VIEW_SIZE - 1, Math.max(0, (x + 0.5) / ENLARGE - 0.5));
      const x0 = Math.floor(u);
      const x1 = Math.min(VIEW_SIZE - 1, x0 + 1);
      const fx = u - x0;
      const p = (xx: number, yy: number) => view.pixels[yy * VIEW_SIZE + xx];
      big[(y + MARGIN) * side + x + MARGIN] = Math.round(
        (p(x0, y0) * (1 - fx) + p(x1, y0) * fx) * (1 - fy) + (p(x0, y1) * (1 - fx) + p(x1, y1) * fx) * fy,
      );
    }
  }
  const s = segment({ width: side, height: side, channels: 1, data: big }, false);
  const atoms = s.lines.flat();
  if (atoms.length === 0) return null;
  const cand = atoms.map((a) => a.cand).reduce(join);
  const crop = cropOf(s, cand);
  const digit = digitView(s, cand, {}, crop);
  return digit ? verifierInput(digit.pixels, contextView(s, cand, crop)) : null;
}

/** P(one whole digit) for each verifier input (28×56); 0 where there is none. */
export function verifierDigitness(verifier: Sequential, inputs: readonly (Uint8Array | null)[]): Float32Array {
  return classOneProbability(verifier, inputs, VIEW_SIZE, VIEW_SIZE * 2);
}
