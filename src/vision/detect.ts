/**
 * Many digits in one picture (a written number, a meter, a form): find the candidates, classify each like a
 * single digit, drop what is not a digit, and read them in order.
 *
 * 1. segment.ts makes the image light-ink-on-dark and denoised as in preprocess.ts, levels its background and
 *    finds the ink by hysteresis (hysteresis.ts), takes the connected components of the ink (without specks and
 *    frame lines) as candidates, groups them into lines, and lists the ways to read them: cuts at the valleys of
 *    the column ink (touching digits), joins of neighbouring pieces (a broken digit).
 * 2. Every candidate is preprocessed as one digit (crop, 20 px, centre of mass) and classified in one batch.
 * 3. With a segmentation verifier (what loadModel() gives), it also judges each candidate one whole digit or not,
 *    and each line is read by dynamic programming: the reading whose digits are together most probable wins
 *    (readByVerifier).
 *    Without one (a bare network), rules decide: pieces that overlap mostly in x are merged, a candidate wider
 *    than a digit is cut into 2 or 3 where the model is surer of the parts, and a narrow 1 touching its
 *    neighbour is peeled off (readByRules).
 * 4. Digits below `minConfidence` are rejected as non-digits; the rest are put in reading order: lines top to
 *    bottom, left to right within a line.
 */
import type { Sequential } from '../nn/sequential.js';
import { classifyPreprocessed, type Classification, type ClassifyOptions } from './classify.js';
import { decodeImage, type ImageInput } from './image-input.js';
import { judgeDigitness, MIN_JUDGEMENT } from './judge.js';
import { WORKING_SIDE } from './paper.js';
import type { Preprocessed } from './preprocess.js';
import type { DigitModel } from './digit-model.js';
import {
  candidateKey,
  cropOf,
  digitView,
  JOIN_ATOMS,
  lineCandidates,
  readingOrder,
  readingsOf,
  segment,
  type Box,
  type Candidate,
  type Segmentation,
} from './segment.js';
import { candidateDigitness, MIN_JUDGED_DIGITNESS } from './verifier.js';

export type { Box } from './segment.js';

export interface DetectedDigit {
  label: number;
  confidence: number;
  /** In the input image's pixel coordinates. */
  box: Box;
  /** Line index in reading order (0 = top line). */
  line: number;
}

export interface Detection {
  /** The digits read in order; lines separated by "\n". */
  text: string;
  digits: DetectedDigit[];
  /** Whether the image was dark ink on a light background. */
  inverted: boolean;
}

export interface DetectOptions extends ClassifyOptions {
  /** Candidates classified below this probability are not digits (default 0.5). */
  minConfidence?: number;
  /**
   * A digit read alone to which the digit judge gives less than this probability is not a digit (default
   * MIN_JUDGEMENT, as for recognize()).
   */
  minJudgement?: number;
  /**
   * A digit read alone that the segmentation verifier gives less than this probability of being one whole digit
   * is not a digit, whatever the judge says (default MIN_JUDGED_DIGITNESS, as for recognize()).
   */
  minDigitness?: number;
}

/**
 * A piece of one component read as several digits that the judge gives less than this is no digit, and the
 * component none: the 4 a W's middle is read as gets 0.00. Cut pieces are rough views: of 600 pairs and triples of
 * touching digits (MNIST and drawn), 224 read from one component, their least piece judged 0.00–0.06 in 5, and a bar
 * of 0.5 lost 2 strings where 0.02 loses none.
 */
const MIN_PIECE_JUDGEMENT = 0.02;

/**
 * Two 1s cut from one piece of ink leaning apart by more than this (the difference of their shears, x per y) are
 * one glyph's strokes — a ^'s or a V's arms, 0.8–1.0 apart — not two 1s: one writer slants alike (touching 1s
 * drawn in bench-styles' styles: at most 0.23 apart).
 */
const MAX_LEAN_APART = 0.6;

/** The shear of the ink in a 28×28 view: how far it runs right per pixel down (its second moments). */
function leanOf(view: Uint8Array): number {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < view.length; i++) {
    mass += view[i];
    sx += view[i] * (i % 28);
    sy += view[i] * Math.floor(i / 28);
  }
  const cx = sx / mass;
  const cy = sy / mass;
  let xy = 0;
  let yy = 0;
  for (let i = 0; i < view.length; i++) {
    const dy = Math.floor(i / 28) - cy;
    xy += view[i] * ((i % 28) - cx) * dy;
    yy += view[i] * dy * dy;
  }
  return yy > 0 ? xy / yy : 0;
}

/** How much surer (mean log confidence) a split must be than the whole, for a candidate not too wide. */
const SPLIT_MARGIN = 0.1;
/**
 * Without a verifier, a narrow 1 peeled off a candidate must be nearly full height and both parts read surely
 * (tuned on synthetic strings other than bench-detect's: 80.5 → 81.8 % of 400 read whole).
 */
const PEEL_RULE = { minHeight: 0.85, minConfidence: 0.99 };

/**
 * Log-prior of dropping a component as not a digit: "not one whole digit" also describes a pair, so a drop must
 * beat every reading of it as digits by this much (a speck read as a digit scores far lower anyway).
 */
const DROP_COST = Math.log(0.05);

/**
 * Log-prior added per digit read: the verifier tends to call a touching pair one digit, so readings with more
 * digits get a little credit (tuned on held-out synthetic strings, 4 × 300: +0.6 % read whole).
 */
const DIGIT_BONUS = 0.5;

/** Below this verifier probability a candidate is not classified (log 1e-3 ≈ −6.9, well under DROP_COST). */
const MIN_SINGLE = 1e-3;

/** A candidate's reading: the classifier's and, with a verifier, the probability that it is one whole digit. */
interface Scored {
  cand: Candidate;
  pre: Preprocessed;
  r: Classification;
  single: number;
}

/**
 * Classifies every candidate given, once each, in batches: digit views through the model, and both views through
 * the verifier when there is one. Candidates with no ink left are absent from the result.
 */
function scoreAll(
  s: Segmentation,
  cands: Candidate[],
  model: DigitModel | Sequential,
  options: DetectOptions,
): Map<string, Scored> {
  const unique = new Map<string, { cand: Candidate; pre: Preprocessed; crop: Uint8Array }>();
  for (const c of cands) {
    const key = candidateKey(c);
    if (unique.has(key)) continue;
    const crop = cropOf(s, c);
    const pre = digitView(s, c, options, crop);
    if (pre) unique.set(key, { cand: c, pre, crop });
  }
  let items = [...unique.entries()];
  const verifier = 'network' in model ? model.verifier : undefined;
  let single: Float32Array | null = null;
  if (verifier && items.length > 0) {
    const all = candidateDigitness(
      verifier,
      s,
      items.map(([, v]) => ({ cand: v.cand, view: v.pre.pixels, crop: v.crop })),
    );
    // Candidates the verifier all but rules out (most cuts) are not worth classifying: any reading with one scores
    // below dropping it.
    const kept = items.map((_, i) => i).filter((i) => all[i] >= MIN_SINGLE);
    items = kept.map((i) => items[i]);
    single = Float32Array.from(kept, (i) => all[i]);
  }
  const recognitions = classifyPreprocessed(
    model,
    items.map(([, v]) => v.pre),
    options,
  );
  const out = new Map<string, Scored>();
  items.forEach(([key, { cand, pre }], i) =>
    out.set(key, { cand, pre, r: recognitions[i], single: single ? single[i] : 1 }),
  );
  return out;
}

/** Without a verifier: per candidate, the whole, a split or a peel by the classifier's confidence (see rules). */
function readByRules(s: Segmentation, model: DigitModel | Sequential, options: DetectOptions): Scored[] {
  const tooWide = (c: Candidate) =>
    c.width > 1.5 * Math.max(c.height, 0.8 * s.digitHeight) || c.width > 1.6 * s.typicalWidth;
  const all = s.merged.flatMap((a) => [a.cand, ...a.splits.flat(), ...a.peels.flatMap((p) => p.parts)]);
  const scored = scoreAll(s, all, model, options);
  const get = (c: Candidate) => scored.get(candidateKey(c));
  const score = (parts: Candidate[]) => {
    let logSum = 0;
    for (const c of parts) logSum += Math.log(Math.max(1e-9, get(c)?.r.confidence ?? 0));
    return logSum / parts.length;
  };
  const found: Scored[] = [];
  for (const { cand, splits, peels } of s.merged) {
    let best: Candidate[] = [cand];
    if (tooWide(cand) && splits.length > 0) {
      // Touching digits: the best split, unless even that is doubtful.
      const split = splits.reduce((a, b) => (score(b) > score(a) ? b : a));
      if (score(split) > Math.log(0.3)) best = split;
    } else {
      // A split must be clearly surer than the whole.
      for (const alt of splits) if (score(alt) > Math.max(score(best), Math.log(0.5)) + SPLIT_MARGIN) best = alt;
    }
    if (best.length === 1)
      for (const peel of peels) {
        const one = get(peel.parts[peel.one]);
        const other = get(peel.parts[1 - peel.one]);
        if (
          one &&
          other &&
          one.r.label === 1 &&
          one.r.confidence >= PEEL_RULE.minConfidence &&
          other.r.confidence >= PEEL_RULE.minConfidence &&
          one.pre.box.height >= PEEL_RULE.minHeight * cand.height
        ) {
          best = peel.parts;
          break;
        }
      }
    for (const c of best) {
      const f = get(c);
      if (f) found.push(f);
    }
  }
  return found;
}

/** Whether box b lies within box a (a pixel of slack): ink drawn inside other ink, like a hollow 0's inner outline. */
const within = (b: Box, a: Box) =>
  b.x >= a.x - 1 && b.y >= a.y - 1 && b.x + b.width <= a.x + a.width + 1 && b.y + b.height <= a.y + a.height + 1;

/**
 * With a verifier: each line is read left to right by dynamic programming over its components. A stretch of 1–3
 * neighbouring components becomes one digit (joined), or one component becomes 1–3 digits (whole, split, a 1
 * peeled off), or a component is dropped as not a digit. A digit scores log(P(one whole digit) · confidence) +
 * DIGIT_BONUS, a dropped component DROP_COST + log(1 − P(one whole digit)); the reading with the highest total wins.
 * Nobody writes a digit inside another: where a component lies within an earlier one's box (a hollow or doubled
 * stroke's inner outline, a digit in a drawn circle), the two are joined or one of them is dropped, never read as
 * two digits.
 */
function readByVerifier(s: Segmentation, model: DigitModel | Sequential, options: DetectOptions): Scored[] {
  const scored = scoreAll(s, lineCandidates(s), model, options);
  const logP = (c: Candidate) => {
    const f = scored.get(candidateKey(c));
    return f ? Math.log(Math.max(1e-9, f.single * f.r.confidence)) : -Infinity;
  };
  const found: Scored[] = [];
  for (const line of s.lines) {
    const n = line.length;
    // nested[k]: atom k lies within an atom before it, so a digit read at k may not follow a digit read before.
    const nested = line.map((a, k) => line.slice(0, k).some((b) => within(a.cand, b.cand)));
    // Best totals of atoms [0, j) whose last atom was read as a digit (0) or dropped (1).
    const best = [new Float64Array(n + 1).fill(-Infinity), new Float64Array(n + 1).fill(-Infinity)];
    const choice: { from: number; fromState: number; digits: Candidate[] }[][] = [new Array(n + 1), new Array(n + 1)];
    best[1][0] = 0;
    const before = (i: number) => (nested[i] ? 1 : best[0][i] > best[1][i] ? 0 : 1);
    for (let j = 1; j <= n; j++) {
      const whole = scored.get(candidateKey(line[j - 1].cand));
      const from = best[0][j - 1] > best[1][j - 1] ? 0 : 1;
      best[1][j] = best[from][j - 1] + DROP_COST + Math.log(Math.max(1e-9, 1 - (whole?.single ?? 0)));
      choice[1][j] = { from: j - 1, fromState: from, digits: [] };
      for (let i = Math.max(0, j - JOIN_ATOMS); i < j; i++) {
        const state = before(i);
        for (const digits of readingsOf(s, line, i, j)) {
          const total = best[state][i] + digits.reduce((sum, c) => sum + logP(c) + DIGIT_BONUS, 0);
          if (total > best[0][j]) [best[0][j], choice[0][j]] = [total, { from: i, fromState: state, digits }];
        }
      }
    }
    const picked: Candidate[] = [];
    for (let j = n, state = best[0][n] > best[1][n] ? 0 : 1; j > 0;) {
      const c = choice[state][j];
      picked.unshift(...c.digits);
      [j, state] = [c.from, c.fromState];
    }
    for (const c of picked) found.push(scored.get(candidateKey(c))!);
  }
  return found;
}

/**
 * Finds, classifies and orders the digits in an image (inputs as for `recognize()`); boxes are in the image's own
 * pixel coordinates, `text` is the digits in reading order with a newline between lines. A model loaded by
 * `loadModel()` carries the segmentation verifier and reads lines by it; a bare network falls back to rules.
 */
export async function detect(
  model: DigitModel | Sequential,
  image: ImageInput,
  options: DetectOptions = {},
): Promise<Detection> {
  // Decoded at most WORKING_SIDE px on its longer side, as segment() works at that size anyway; the segmentation's
  // scale counts the shrinking in, so boxes are in the original's pixels.
  const raw = await decodeImage(image, 'image', { maxSide: WORKING_SIDE });
  return readSegmentation(segment(raw, options.invert), model, options);
}

/** The digits of an image already segmented (detect() after segment()). */
export function readSegmentation(
  s: Segmentation,
  model: DigitModel | Sequential,
  options: DetectOptions = {},
): Detection {
  const verifier = 'network' in model && model.verifier;
  const minConfidence = options.minConfidence ?? 0.5;
  let found = (verifier ? readByVerifier(s, model, options) : readByRules(s, model, options)).filter(
    (f) => f.r.confidence >= minConfidence,
  );
  // A digit read alone may still be a letter or a mark (a P read as 4, a bracket as 1): the picture is then what
  // recognize() sees, so the digit judge and the verifier have the say they have there. (Digits read among others
  // the judge leaves alone: cut from a line, they are rougher views than the ones it learnt from, and at any bar it
  // cost bench-detect and bench-real strings.)
  const judge = 'network' in model ? model.judge : undefined;
  if (judge && found.length === 1 && found[0].pre.pixels.length === 784) {
    const [judgement] = judgeDigitness(judge, [found[0].pre.pixels]);
    const minDigitness = options.minDigitness ?? MIN_JUDGED_DIGITNESS;
    if (judgement < (options.minJudgement ?? MIN_JUDGEMENT) || found[0].single < minDigitness) found = [];
  }
  // One piece of ink read as several digits (touching digits, or a letter cut in pieces: a W as 114, a ^ as 11):
  // where the judge is sure one of the pieces is no digit at all, or two 1s splay apart, none is.
  const ids = new Set(found.flatMap((f) => f.cand.ids));
  if (judge && found.length > 1 && ids.size === 1 && found.every((f) => f.pre.pixels.length === 784)) {
    const judgements = judgeDigitness(
      judge,
      found.map((f) => f.pre.pixels),
    );
    const byX = [...found].sort((a, b) => a.cand.x - b.cand.x);
    const splayed = byX.some(
      (f, i) =>
        i > 0 &&
        f.r.label === 1 &&
        byX[i - 1].r.label === 1 &&
        Math.abs(leanOf(f.pre.pixels) - leanOf(byX[i - 1].pre.pixels)) > MAX_LEAN_APART,
    );
    if (splayed || judgements.some((j) => j < MIN_PIECE_JUDGEMENT)) found = [];
  }
  const { order, line } = readingOrder(found.map((f) => f.cand));
  const digits = order.map((i) => {
    // In the input's pixels (the segmentation may have worked on a shrunk copy).
    const { x, y, width, height } = found[i].cand;
    const box = { x: x * s.scale, y: y * s.scale, width: width * s.scale, height: height * s.scale };
    return { label: found[i].r.label, confidence: found[i].r.confidence, box, line: line[i] };
  });
  let text = '';
  digits.forEach((d, i) => {
    if (i > 0 && d.line !== digits[i - 1].line) text += '\n';
    text += String(d.label);
  });
  return { text, digits, inverted: s.inverted };
}
