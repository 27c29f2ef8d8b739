/**
 * The segmentation verifier's judgement (DigitModel.verifier): for candidates of a segmentation, the probability
 * that each is one whole digit, from its digit view beside its view at the line's scale. detect() weighs its
 * readings with it; recognize() asks it about the whole of a picture's ink.
 */
import type { Sequential } from '../nn/sequential.js';
import { classOneProbability } from './judge.js';
import { frameLevel } from './polarity.js';
import { toGray, type GrayImage, type RawImage } from './preprocess.js';
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

/**
 * Below this verifier probability, ink that the digit judge lets through as one digit is still not one: the whole
 * of a picture's ink in recognize(), a digit read alone in detect(). Low, as the judge has had its say: at 0.05,
 * recognize() turns down 96.4 % of held-out letters instead of 81.3 %, and 0.29 % of MNIST test instead of 0.09 %
 * (docs/vision.md: Not a digit).
 */
export const MIN_JUDGED_DIGITNESS = 0.05;

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

/**
 * Longer side (px) to which a small picture is enlarged, by a whole factor, before the verifier is asked about it:
 * a 28×28 MNIST digit or a 16×16 crop then comes to segment() at the scale of the digits it finds in photos.
 */
const PICTURE_SIDE = 84;
/**
 * Paper added around the picture, as a share of its longer side: segment() takes ink within a few pixels of the
 * picture's edge for a frame or a sheet's edge, and a tight crop's strokes touch it; and where a bold digit fills
 * much of the picture, its ink was taken for the paper's own level (with a quarter, 1.2 % of small digits drawn
 * with a thick pen came out empty; with a half, none).
 */
const PICTURE_MARGIN = 0.5;

/**
 * The verifier's input for a whole picture: all the ink segment() finds in it, taken as one candidate, beside its
 * view at the picture's scale. Asked about the picture itself, not its 28×28 view, the verifier sees the ink's
 * own shape and proportions: letters and symbols that the view makes look like digits stay letters (measured,
 * docs/vision.md: Not a digit). `inverted` is preprocess()'s polarity (a bold light digit on black is otherwise
 * taken for paper between dark strokes). Null when segmentation finds no ink (a faint mark, a lone straight line).
 */
export function pictureInput(image: RawImage, inverted: boolean): Uint8Array | null {
  const gray = toGray(image);
  const factor = Math.ceil(PICTURE_SIDE / Math.max(gray.width, gray.height));
  const big = factor > 1 ? enlarge(gray, factor) : gray;
  const margin = Math.round(PICTURE_MARGIN * Math.max(big.width, big.height));
  const width = big.width + 2 * margin;
  const height = big.height + 2 * margin;
  const data = new Uint8Array(width * height).fill(frameLevel(big.data, big.width, big.height));
  for (let y = 0; y < big.height; y++)
    data.set(big.data.subarray(y * big.width, (y + 1) * big.width), (y + margin) * width + margin);
  const s = segment({ width, height, channels: 1, data }, inverted);
  const atoms = s.lines.flat();
  if (atoms.length === 0) return null;
  const cand = atoms.map((a) => a.cand).reduce(join);
  const crop = cropOf(s, cand);
  const digit = digitView(s, cand, {}, crop);
  return digit ? verifierInput(digit.pixels, contextView(s, cand, crop)) : null;
}

/** A gray picture enlarged `factor` times by bilinear interpolation between pixel centres. */
function enlarge(image: GrayImage, factor: number): GrayImage {
  const { width: w, height: h, data: src } = image;
  const width = w * factor;
  const height = h * factor;
  const data = new Uint8Array(width * height);
  const at = (i: number, n: number) => {
    const v = Math.min(n - 1, Math.max(0, (i + 0.5) / factor - 0.5));
    const lo = Math.floor(v);
    return { lo, hi: Math.min(n - 1, lo + 1), f: v - lo };
  };
  const columns = Array.from({ length: width }, (_, x) => at(x, w));
  for (let y = 0; y < height; y++) {
    const r = at(y, h);
    const top = r.lo * w;
    const bottom = r.hi * w;
    for (let x = 0; x < width; x++) {
      const c = columns[x];
      const upper = src[top + c.lo] * (1 - c.f) + src[top + c.hi] * c.f;
      const lower = src[bottom + c.lo] * (1 - c.f) + src[bottom + c.hi] * c.f;
      data[y * width + x] = Math.round(upper * (1 - r.f) + lower * r.f);
    }
  }
  return { width, height, data };
}

/** P(one whole digit) for each verifier input (28×56); 0 where there is none. */
export function verifierDigitness(verifier: Sequential, inputs: readonly (Uint8Array | null)[]): Float32Array {
  return classOneProbability(verifier, inputs, VIEW_SIZE, VIEW_SIZE * 2);
}
