/**
 * Many digits in one picture (a written number, a meter, a form): find the candidates, classify each like a
 * single digit, drop what is not a digit, and read them in order.
 *
 * 1. The image is made light-ink-on-dark, denoised and thresholded as in preprocess.ts.
 * 2. Candidates are the connected components of the ink, without specks and frame lines.
 * 3. Pieces of one digit (a 5's flag, a broken stroke) are merged: components that overlap mostly in x and are
 *    close in y.
 * 4. Touching digits are split: a candidate wider than a digit is also cut at the columns with the least ink
 *    into 2 or 3 parts, and the reading whose parts the model is surer of (geometric mean of confidences) wins.
 *    A narrow 1 touching its neighbour barely widens it, so candidates somewhat wider than the image's typical
 *    digit are also tried with a 1 taken off either side at a deep valley of the column ink (see PEEL).
 * 5. Each candidate is preprocessed (crop, 20 px, centre of mass) and all are classified in one batch; those
 *    below `minConfidence` are rejected as non-digits.
 * 6. Reading order: boxes are grouped into lines by vertical overlap, lines top to bottom, boxes left to right.
 */
import type { Sequential } from '../nn/sequential.js';
import { connectedComponents, type Component } from './components.js';
import { decodeImage, type ImageInput } from './image-input.js';
import { inkImage, preprocess, type Preprocessed } from './preprocess.js';
import type { DigitModel } from './digit-model.js';
import { classifyPreprocessed, type RecognizeOptions } from './recognize.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

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

export interface DetectOptions extends RecognizeOptions {
  /** Candidates classified below this probability are not digits (default 0.5). */
  minConfidence?: number;
  /** Components smaller than this fraction of the tallest one's height are specks (default 0.25). */
  minHeightRatio?: number;
}

/** How much surer (mean log confidence) a split must be than the whole, for a candidate not too wide. */
const SPLIT_MARGIN = 0.1;
/**
 * When a narrow 1 is taken off the side of a candidate: it is at least this wide for its height and against the
 * image's typical digit, the cut is a deep valley of the column ink, the 1 is nearly full height, and both parts
 * are read surely (tuned on synthetic strings other than bench-detect's: 80.5 → 81.8 % of 400 read whole).
 */
const PEEL = { minRatio: 0.7, minWidth: 1.15, maxValley: 0.15, minHeight: 0.85, minConfidence: 0.99 };

/** A candidate: its box and the component labels that make it up. */
interface Candidate extends Box {
  ids: number[];
}

const union = (a: Box, b: Box): Box => {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
};

/** Step 3: merges candidates that overlap mostly in x and are near in y (parts of one digit). */
function mergePieces(cands: Candidate[], digitHeight: number): Candidate[] {
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < cands.length; i++) {
      for (let j = i + 1; j < cands.length; j++) {
        const a = cands[i];
        const b = cands[j];
        const overlapX = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
        const gapY = Math.max(a.y, b.y) - Math.min(a.y + a.height, b.y + b.height);
        const u = union(a, b);
        if (overlapX > 0.5 * Math.min(a.width, b.width) && gapY < 0.25 * digitHeight && u.height < 1.4 * digitHeight) {
          cands[i] = { ...u, ids: [...a.ids, ...b.ids] };
          cands.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }
  return cands;
}

/** The ink in each column of a candidate (its own components only). */
function columnInk(c: Candidate, ink: Float32Array, labels: Int32Array, w: number): Float64Array {
  const ids = new Set(c.ids);
  const column = new Float64Array(c.width);
  for (let y = c.y; y < c.y + c.height; y++)
    for (let x = c.x; x < c.x + c.width; x++) {
      const i = y * w + x;
      if (ids.has(labels[i])) column[x - c.x] += ink[i];
    }
  return column;
}

/** The candidate cut in two at column `cut` (relative to its left edge). */
function cutAt(c: Candidate, cut: number): [Candidate, Candidate] {
  return [
    { x: c.x, y: c.y, width: cut, height: c.height, ids: c.ids },
    { x: c.x + cut, y: c.y, width: c.width - cut, height: c.height, ids: c.ids },
  ];
}

/**
 * Step 4b: where a narrow 1 may touch its neighbour, the lightest column in the outer [12 %, 40 %] of the width on
 * one side, and how deep a valley it is (its ink over the heaviest column's: small where two digits barely touch).
 */
function peelCut(column: Float64Array, side: 'left' | 'right'): { cut: number; valley: number } | null {
  const n = column.length;
  const [from, to] = side === 'left' ? [0.12 * n, 0.4 * n] : [0.6 * n, 0.88 * n];
  let best = -1;
  for (let x = Math.max(1, Math.ceil(from)); x <= Math.min(n - 2, Math.floor(to)); x++)
    if (best < 0 || column[x] < column[best]) best = x;
  if (best < 0) return null;
  let max = 0;
  for (const v of column) if (v > max) max = v;
  return { cut: best, valley: max > 0 ? column[best] / max : 1 };
}

/** Step 4: cuts a candidate into `parts` pieces at its emptiest columns near the even split points. */
function splitAt(c: Candidate, parts: number, column: Float64Array): Candidate[] {
  // Each cut at the lightest column within ±25 % of a part's width around the even split point.
  const cuts: number[] = [0];
  const step = c.width / parts;
  for (let k = 1; k < parts; k++) {
    const centre = Math.round(k * step);
    const reach = Math.max(1, Math.round(step / 4));
    let best = centre;
    for (let x = Math.max(1, centre - reach); x <= Math.min(c.width - 2, centre + reach); x++)
      if (column[x] < column[best]) best = x;
    cuts.push(best);
  }
  cuts.push(c.width);
  const out: Candidate[] = [];
  for (let k = 0; k + 1 < cuts.length; k++)
    if (cuts[k + 1] > cuts[k])
      out.push({ x: c.x + cuts[k], y: c.y, width: cuts[k + 1] - cuts[k], height: c.height, ids: c.ids });
  return out;
}

/** Step 6: line index for each box, lines ordered top to bottom. */
function readingOrder(boxes: Box[]): { order: number[]; line: number[] } {
  const byTop = boxes
    .map((_, i) => i)
    .sort((a, b) => boxes[a].y + boxes[a].height / 2 - (boxes[b].y + boxes[b].height / 2));
  const lines: { y0: number; y1: number; members: number[] }[] = [];
  for (const i of byTop) {
    const b = boxes[i];
    const mid = b.y + b.height / 2;
    const line = lines.find((l) => mid >= l.y0 && mid <= l.y1);
    if (line) {
      line.members.push(i);
      line.y0 = Math.min(line.y0, b.y);
      line.y1 = Math.max(line.y1, b.y + b.height);
    } else lines.push({ y0: b.y, y1: b.y + b.height, members: [i] });
  }
  lines.sort((a, b) => a.y0 - b.y0);
  const order: number[] = [];
  const line = new Array<number>(boxes.length);
  lines.forEach((l, li) => {
    l.members.sort((a, b) => boxes[a].x - boxes[b].x);
    for (const m of l.members) {
      order.push(m);
      line[m] = li;
    }
  });
  return { order, line };
}

/**
 * Finds, classifies and orders the digits in an image (inputs as for `recognize()`); boxes are in the image's own
 * pixel coordinates, `text` is the digits in reading order with a newline between lines.
 */
export async function detect(
  model: DigitModel | Sequential,
  image: ImageInput,
  options: DetectOptions = {},
): Promise<Detection> {
  const { width: w, height: h, data, inverted, threshold, hasInk } = inkImage(await decodeImage(image), options.invert);
  // No contrast (a blank page) or no level clearly above the threshold: nothing written.
  if (!hasInk) return { text: '', digits: [], inverted };
  const mask = new Uint8Array(w * h);
  const ink = new Float32Array(w * h);
  for (let i = 0; i < mask.length; i++) {
    if (data[i] > threshold) {
      mask[i] = 1;
      ink[i] = data[i] - threshold;
    }
  }
  const { labels, components } = connectedComponents(mask, w, h);
  // Step 2: the tallest plausible component sets the digit height; specks and edge lines go.
  const band = Math.max(2, Math.round(0.03 * Math.min(w, h)));
  const edgeLine = (c: Component) =>
    (c.x < band || c.y < band || c.x + c.width > w - band || c.y + c.height > h - band) &&
    (c.width <= band || c.height <= band) &&
    Math.max(c.width, c.height) > 4 * band;
  const real = components.filter((c) => !edgeLine(c) && c.pixels >= 4);
  if (real.length === 0) return { text: '', digits: [], inverted };
  const heights = real.map((c) => c.height).sort((a, b) => a - b);
  const digitHeight = heights[Math.floor(heights.length * 0.9)] || heights[heights.length - 1];
  const minHeight = (options.minHeightRatio ?? 0.25) * digitHeight;
  let cands: Candidate[] = real
    .filter((c) => c.height >= minHeight || c.width >= minHeight)
    .map((c) => ({ x: c.x, y: c.y, width: c.width, height: c.height, ids: [c.id] }));
  cands = mergePieces(cands, digitHeight);
  // Step 4–5: every candidate, and for wide ones their 2- and 3-way splits, preprocessed and classified at once.
  const crops: { cand: Candidate; pre: Preprocessed | null }[] = [];
  const cropOf = (c: Candidate): number => {
    const ids = new Set(c.ids);
    const crop = new Uint8Array(c.width * c.height);
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++) {
        const i = (c.y + y) * w + c.x + x;
        if (ids.has(labels[i])) crop[y * c.width + x] = data[i];
      }
    let pre: Preprocessed | null;
    try {
      pre = preprocess({ width: c.width, height: c.height, channels: 1, data: crop }, { ...options, invert: false });
    } catch {
      pre = null; // no ink left in this piece (e.g. a split sliver)
    }
    crops.push({ cand: c, pre });
    return crops.length - 1;
  };
  // A single handwritten digit is rarely wider than it is tall, or much wider than the other digits (not 1s).
  const widths = cands
    .filter((c) => c.width >= 0.45 * c.height)
    .map((c) => c.width)
    .sort((a, b) => a - b);
  const typicalWidth = widths.length >= 3 ? widths[Math.floor(widths.length / 2)] : Infinity;
  const tooWide = (c: Candidate) =>
    c.width > 1.5 * Math.max(c.height, 0.8 * digitHeight) || c.width > 1.6 * typicalWidth;
  const readings = cands.map((c) => {
    const alts: number[][] = [[cropOf(c)]];
    const column = columnInk(c, ink, labels, w);
    const widthInDigits = c.width / (0.6 * Math.max(c.height, 0.8 * digitHeight));
    for (const parts of [2, 3]) if (widthInDigits >= 0.8 * parts) alts.push(splitAt(c, parts, column).map(cropOf));
    // A 1 touching its neighbour: the pair is no wider than many single digits, so it is also tried peeled off.
    const peels: { parts: number[]; one: number; valley: number }[] = [];
    if (c.width >= PEEL.minRatio * c.height && c.width >= PEEL.minWidth * typicalWidth)
      for (const side of ['left', 'right'] as const) {
        const p = peelCut(column, side);
        if (!p || p.valley > PEEL.maxValley) continue;
        const parts = cutAt(c, p.cut).map(cropOf);
        peels.push({ parts, one: side === 'left' ? parts[0] : parts[1], valley: p.valley });
      }
    return { alts, peels };
  });
  const usable = crops.filter((c) => c.pre !== null);
  const recognitions = classifyPreprocessed(
    model,
    usable.map((c) => c.pre!),
    options,
  );
  const result = new Map<number, { box: Box; r: (typeof recognitions)[number] }>();
  usable.forEach((c, i) => result.set(crops.indexOf(c), { box: c.cand, r: recognitions[i] }));
  const score = (indices: number[]) => {
    let logSum = 0;
    for (const i of indices) logSum += Math.log(Math.max(1e-9, result.get(i)?.r.confidence ?? 0));
    return logSum / indices.length;
  };
  const minConfidence = options.minConfidence ?? 0.5;
  const found: { box: Box; r: (typeof recognitions)[number] }[] = [];
  readings.forEach(({ alts: alternatives, peels }, k) => {
    let best = alternatives[0];
    if (tooWide(cands[k]) && alternatives.length > 1) {
      // Touching digits: the best split, unless even that is doubtful.
      const split = alternatives.slice(1).reduce((a, b) => (score(b) > score(a) ? b : a));
      if (score(split) > Math.log(0.3)) best = split;
    } else {
      // A split must be clearly surer than the whole.
      for (const alt of alternatives.slice(1))
        if (score(alt) > Math.max(score(best), Math.log(0.5)) + SPLIT_MARGIN) best = alt;
    }
    if (best.length === 1)
      for (const peel of peels) {
        const one = result.get(peel.one);
        const other = result.get(peel.parts.find((i) => i !== peel.one)!);
        const onePre = crops[peel.one].pre;
        if (
          one &&
          other &&
          onePre &&
          one.r.label === 1 &&
          one.r.confidence >= PEEL.minConfidence &&
          other.r.confidence >= PEEL.minConfidence &&
          onePre.box.height >= PEEL.minHeight * cands[k].height
        ) {
          best = peel.parts;
          break;
        }
      }
    for (const i of best) {
      const f = result.get(i);
      if (f && f.r.confidence >= minConfidence)
        found.push({ box: { x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height }, r: f.r });
    }
  });
  const { order, line } = readingOrder(found.map((f) => f.box));
  const digits = order.map((i) => ({
    label: found[i].r.label,
    confidence: found[i].r.confidence,
    box: found[i].box,
    line: line[i],
  }));
  let text = '';
  digits.forEach((d, i) => {
    if (i > 0 && d.line !== digits[i - 1].line) text += '\n';
    text += String(d.label);
  });
  return { text, digits, inverted };
}
