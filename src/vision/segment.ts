/**
 * Where the digits of a larger image may be: the ink (found by hysteresis, so that faint strokes stay with their
 * digit) as connected components, grouped into lines, and the ways to read each line as digits — a component
 * whole, cut into 2 or 3 (touching digits), with a narrow 1 peeled off its side, or 2–3 neighbouring components
 * joined (pieces of one broken digit). detect.ts chooses among them; the segmentation verifier is trained on the
 * same candidates (see verifier-data.ts).
 *
 * Every candidate can be viewed two ways, each 28×28 light ink on black:
 * - `digit`: preprocessed as a single digit (crop, longest side 20 px, centre of mass), what the classifier reads;
 * - `context`: the same ink at the line's scale (a digit of typical height 20 px tall), centred on the box, so
 *   that size and width show: a pair is wide, a fragment small. The verifier reads both side by side.
 */
import { SPECK_SHARE, type Component } from './components.js';
import { hysteresisInk } from './hysteresis.js';
import { paperInk } from './paper.js';
import { removeStraightLines } from './straight-lines.js';
import {
  placeInField,
  preprocess,
  resizeArea,
  type PreprocessOptions,
  type Preprocessed,
  type RawImage,
} from './preprocess.js';
import { growStrokes, growthFor } from './strokes.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A region of the image: the ink of components `ids` inside `box`, and, where the candidate was cut from touching
 * digits along a path, only the ink right of `left` and left of `right` (per row of the box, image x: a pixel at
 * x belongs when left[row] ≤ x < right[row]).
 */
export interface Candidate extends Box {
  ids: number[];
  left?: Int32Array;
  right?: Int32Array;
}

/** One component (or joined group) of a line, with the other ways to read it. */
export interface Atom {
  cand: Candidate;
  /** Cut into 2 and into 3 at the lightest columns (only when wide enough to hold that many digits). */
  splits: Candidate[][];
  /** Cut in two with a narrow 1 on one side, at a deep valley of the column ink; `one` is the 1's index. */
  peels: { parts: [Candidate, Candidate]; one: 0 | 1; valley: number }[];
  /**
   * Every cut into 2 or 3 parts at the valleys of the column ink (and the cuts above), for a reading that can
   * judge which parts are whole digits (the verifier): touching digits rarely meet at the even split points.
   */
  cuts: Candidate[][];
}

export interface Segmentation {
  width: number;
  height: number;
  /**
   * The ink image (light ink on dark, denoised, background levelled) and the low threshold its ink was found
   * with (hysteresis.ts): a labelled pixel's ink is its level above this.
   */
  data: Uint8Array;
  threshold: number;
  inverted: boolean;
  /** Pixels of the input image per pixel of the segmentation (1 unless a large photo was shrunk first). */
  scale: number;
  /** Component label of each pixel (0 = none). */
  labels: Int32Array;
  /** Height of a typical full digit (90th percentile of component heights) and median width of digit-like ones. */
  digitHeight: number;
  typicalWidth: number;
  /** Candidates after joining pieces that overlap mostly in x (the rule reading without a verifier uses these). */
  merged: Atom[];
  /** Raw components (specks and frame lines dropped) by line, top to bottom, each line left to right. */
  lines: Atom[][];
}

/** Ink must depart from the paper by at least this much somewhere for anything to be written. */
const MIN_INK = 24;

/** Side of the views and the longest side of the digit in the `digit` view (MNIST's 28 and 20). */
export const VIEW_SIZE = 28;
const FIT = 20;

/**
 * When a narrow 1 is taken off the side of a candidate: it is at least this wide for its height and against the
 * image's typical digit, the cut is a deep valley of the column ink.
 */
const PEEL = { minRatio: 0.7, minWidth: 1.15, maxValley: 0.15 };

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

/** Joining neighbouring components into one digit: at most this many, with gaps under this × digit height. */
export const JOIN_ATOMS = 3;

const JOIN = { maxGap: 0.35, maxWidth: 1.6 };

/**
 * A component is tried cut into digits when at least this wide for its height (or the line's digit height): a 1
 * touching its neighbour makes a pair only 0.5–0.7 as wide as tall (at 0.7, bench-detect read the touching "17" of
 * "87501711" as a 7; at 0.5 it reads 97.0 % of its strings, was 96.0, and no other bench changes).
 */
const CUT_MIN_WIDTH = 0.5;

/** How far (× digit height) a cut between touching digits may wander from the column it starts from. */
const PATH_REACH = 0.15;

/** A candidate's identity (box, components and path bounds), to classify each only once. */
export const candidateKey = (c: Candidate) =>
  `${c.x},${c.y},${c.width},${c.height},${c.ids.join('+')}` +
  (c.left ? `<${c.left.join(',')}` : '') +
  (c.right ? `>${c.right.join(',')}` : '');

/** Calls `visit(i, x, y)` for each pixel of the candidate's ink region (its components, inside its bounds). */
export function forEachCandidatePixel(
  s: { labels: Int32Array; width: number },
  c: Candidate,
  visit: (i: number, x: number, y: number) => void,
): void {
  const ids = c.ids.length === 1 ? null : new Set(c.ids);
  const only = c.ids[0];
  for (let y = c.y; y < c.y + c.height; y++) {
    const from = Math.max(c.x, c.left ? c.left[y - c.y] : c.x);
    const to = Math.min(c.x + c.width, c.right ? c.right[y - c.y] : c.x + c.width);
    for (let x = from; x < to; x++) {
      const i = y * s.width + x;
      const label = s.labels[i];
      if (ids ? ids.has(label) : label === only) visit(i, x, y);
    }
  }
}

/** Candidates `a` and `b` as one. */
export function join(a: Candidate, b: Candidate): Candidate {
  return { ...union(a, b), ids: [...a.ids, ...b.ids] };
}

/** Cost of a cut path's step sideways, against ink levels of up to 255 per pixel crossed: straight when free. */
const PATH_STEP = 2;

/** A path is cut along only where it crosses at most this share of the ink the straight column crosses. */
const PATH_GAIN = 0.5;

/**
 * The candidate cut in two along the path from its top row to its bottom one that crosses the least ink, staying
 * within `reach` columns of image column `at` and moving at most one column per row: touching digits lean, overlap
 * and meet at a point (a 6's loop against a 1), where a straight column would slice through one of them.
 */
export function cutAlongPath(
  s: { data: Uint8Array; labels: Int32Array; threshold: number; width: number },
  c: Candidate,
  at: number,
  reach: number,
): [Candidate, Candidate] {
  const x0 = Math.max(c.x + 1, at - reach);
  const x1 = Math.min(c.x + c.width - 1, at + reach);
  const span = x1 - x0 + 1;
  const rows = c.height;
  if (span < 1 || rows < 1) return cutAt(c, Math.min(Math.max(1, at - c.x), Math.max(1, c.width - 1)));
  // A part already cut along a path is cut again only inside its own bounds.
  const inside = (y: number, k: number) => (!c.left || x0 + k > c.left[y]) && (!c.right || x0 + k < c.right[y] - 1);
  const ink = new Float64Array(rows * span);
  forEachCandidatePixel(s, c, (i, x, y) => {
    if (x >= x0 && x <= x1) ink[(y - c.y) * span + x - x0] = Math.max(0, s.data[i] - s.threshold);
  });
  // Cost so far and the column each step came from; a small pull toward `at` breaks ties on clean paper.
  const cost = new Float64Array(rows * span);
  const from = new Int32Array(rows * span);
  const pull = (k: number) => (0.01 * Math.abs(x0 + k - at)) / Math.max(1, reach);
  for (let k = 0; k < span; k++) cost[k] = inside(0, k) ? ink[k] + pull(k) : Infinity;
  for (let y = 1; y < rows; y++)
    for (let k = 0; k < span; k++) {
      if (!inside(y, k)) {
        cost[y * span + k] = Infinity;
        continue;
      }
      let best = cost[(y - 1) * span + k];
      let arg = k;
      for (let j = k - 1; j <= k + 1; j += 2) {
        if (j < 0 || j >= span) continue;
        const v = cost[(y - 1) * span + j] + PATH_STEP;
        if (v < best) [best, arg] = [v, j];
      }
      cost[y * span + k] = best + ink[y * span + k] + pull(k);
      from[y * span + k] = arg;
    }
  let end = 0;
  for (let k = 1; k < span; k++) if (cost[(rows - 1) * span + k] < cost[(rows - 1) * span + end]) end = k;
  if (!Number.isFinite(cost[(rows - 1) * span + end])) return cutAt(c, Math.min(Math.max(x0, at), x1) - c.x);
  const path = new Int32Array(rows);
  for (let y = rows - 1, k = end; y >= 0; y--) {
    path[y] = x0 + k;
    k = from[y * span + k];
  }
  // The path is taken only where it crosses much less ink than the straight column (touching digits that lean or
  // overlap): elsewhere — a single digit's two halves — both cross the same strokes, and the column stays.
  // And only where it crosses ink once, where two digits meet: a path through a 0's or an 8's hole crosses its
  // strokes twice, and cuts it in two halves that look whole (a 0 as 67).
  let pathInk = 0;
  let straightInk = 0;
  let crossings = 0;
  let columnCrossings = 0;
  const column = Math.min(Math.max(at, x0), x1) - x0;
  for (let y = 0; y < rows; y++) {
    const v = ink[y * span + path[y] - x0];
    const u = ink[y * span + column];
    pathInk += v;
    straightInk += u;
    if (v > 0 && (y === 0 || ink[(y - 1) * span + path[y - 1] - x0] === 0)) crossings++;
    if (u > 0 && (y === 0 || ink[(y - 1) * span + column] === 0)) columnCrossings++;
  }
  if (crossings > 1 || columnCrossings < 2 || pathInk > PATH_GAIN * straightInk) return cutAt(c, x0 + column - c.x);
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of path) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
  // A straight path is a column cut.
  if (lo === hi) return cutAt(c, lo - c.x);
  const leftPart: Candidate = { x: c.x, y: c.y, width: hi - c.x, height: rows, ids: c.ids, right: path };
  const rightPart: Candidate = { x: lo, y: c.y, width: c.x + c.width - lo, height: rows, ids: c.ids, left: path };
  if (c.left) leftPart.left = c.left;
  if (c.right) rightPart.right = c.right;
  return [leftPart, rightPart];
}

/** Merges candidates that overlap mostly in x and are near in y (parts of one digit). */
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
          cands[i] = join(a, b);
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
function columnInk(c: Candidate, s: { data: Uint8Array; labels: Int32Array; threshold: number; width: number }) {
  const column = new Float64Array(c.width);
  forEachCandidatePixel(s, c, (i, x) => (column[x - c.x] += s.data[i] - s.threshold));
  return column;
}

/** The candidate cut in two at column `cut` (relative to its left edge), each part keeping its side's bound. */
function cutAt(c: Candidate, cut: number): [Candidate, Candidate] {
  const left: Candidate = { x: c.x, y: c.y, width: cut, height: c.height, ids: c.ids };
  const right: Candidate = { x: c.x + cut, y: c.y, width: c.width - cut, height: c.height, ids: c.ids };
  if (c.left) left.left = c.left;
  if (c.right) right.right = c.right;
  return [left, right];
}

/**
 * Where a narrow 1 may touch its neighbour: the lightest column in the outer [12 %, 40 %] of the width on one
 * side, and how deep a valley it is (its ink over the heaviest column's: small where two digits barely touch).
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

/**
 * Columns where touching digits may meet: local minima of the column ink under half its maximum, the lightest of
 * any within 3 columns of each other, at most the 6 lightest.
 */
function valleys(column: Float64Array): number[] {
  let max = 0;
  for (const v of column) if (v > max) max = v;
  const minima: number[] = [];
  for (let x = 1; x < column.length - 1; x++)
    if (column[x] <= column[x - 1] && column[x] <= column[x + 1] && column[x] < 0.5 * max) {
      const last = minima[minima.length - 1];
      if (last !== undefined && x - last <= 3) {
        if (column[x] < column[last]) minima[minima.length - 1] = x;
      } else minima.push(x);
    }
  return minima.sort((a, b) => column[a] - column[b]).slice(0, 6);
}

/** Cuts a candidate into `parts` pieces at its emptiest columns near the even split points. */
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

/**
 * Line index for each box, lines ordered top to bottom, and the boxes in reading order. A box joins the line its
 * middle falls in; the tallest boxes are placed first, so that lines are spanned by whole digits and a small
 * piece above or below one (a 5's flag) joins its line instead of starting one.
 */
export function readingOrder(boxes: Box[]): { order: number[]; line: number[] } {
  const byHeight = boxes.map((_, i) => i).sort((a, b) => boxes[b].height - boxes[a].height || boxes[a].y - boxes[b].y);
  const lines: { y0: number; y1: number; members: number[] }[] = [];
  for (const i of byHeight) {
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

/** Finds the candidates of an image (none when nothing is written on it). */
export function segment(image: RawImage, invert?: boolean): Segmentation {
  const ink = paperInk(image, invert);
  const { width: w, height: h, inverted, scale } = ink;
  // Nothing departs clearly from the paper (a blank page): nothing written.
  let max = 0;
  for (const v of ink.data) if (v > max) max = v;
  const found =
    max >= MIN_INK
      ? hysteresisInk(ink.data, w, h)
      : { data: ink.data, low: max, labels: new Int32Array(w * h), components: [] };
  const { data, low: threshold } = found;
  // A crease or a sheet's edge across the picture is ink too, but a long straight line: out.
  const { labels, components } = removeStraightLines(found.labels, found.components, data, w, h);
  const none = { width: w, height: h, data, threshold, inverted, scale, labels, digitHeight: 0, typicalWidth: 0 };
  // The tallest plausible component sets the digit height; specks and edge lines go.
  const band = Math.max(2, Math.round(0.03 * Math.min(w, h)));
  const edgeLine = (c: Component) =>
    (c.x < band || c.y < band || c.x + c.width > w - band || c.y + c.height > h - band) &&
    (c.width <= band || c.height <= band) &&
    Math.max(c.width, c.height) > 4 * band;
  const real = components.filter((c) => !edgeLine(c) && c.pixels >= 4);
  if (real.length === 0) return { ...none, merged: [], lines: [] };
  // Specks do not vote: along a crease or in paper grain they can outnumber the digits' pieces ten to one (a crease
  // broke into 50 specks of 2–7 px and a 93-px number was taken for 6-px writing).
  const mostInk = real.reduce((m, c) => Math.max(m, c.pixels), 0);
  const heights = real
    .filter((c) => c.pixels >= SPECK_SHARE * mostInk)
    .map((c) => c.height)
    .sort((a, b) => a - b);
  const digitHeight = heights[Math.floor(heights.length * 0.9)] || heights[heights.length - 1];
  const minHeight = 0.25 * digitHeight;
  const raw: Candidate[] = real
    .filter((c) => c.height >= minHeight || c.width >= minHeight)
    .map((c) => ({ x: c.x, y: c.y, width: c.width, height: c.height, ids: [c.id] }));
  const merged = mergePieces([...raw], digitHeight);
  // A single handwritten digit is rarely wider than it is tall, or much wider than the other digits (not 1s).
  const widths = merged
    .filter((c) => c.width >= 0.45 * c.height)
    .map((c) => c.width)
    .sort((a, b) => a - b);
  const typicalWidth = widths.length >= 3 ? widths[Math.floor(widths.length / 2)] : Infinity;
  const s = { data, labels, threshold, width: w };
  const atom = (c: Candidate): Atom => {
    const column = columnInk(c, s);
    const widthInDigits = c.width / (0.6 * Math.max(c.height, 0.8 * digitHeight));
    const splits = [2, 3].filter((parts) => widthInDigits >= 0.8 * parts).map((parts) => splitAt(c, parts, column));
    // A 1 touching its neighbour: the pair is no wider than many single digits, so it is also tried peeled off.
    const peels: Atom['peels'] = [];
    if (c.width >= PEEL.minRatio * c.height && c.width >= PEEL.minWidth * typicalWidth)
      for (const side of ['left', 'right'] as const) {
        const p = peelCut(column, side);
        if (p && p.valley <= PEEL.maxValley)
          peels.push({ parts: cutAt(c, p.cut), one: side === 'left' ? 0 : 1, valley: p.valley });
      }
    const cuts: Candidate[][] = [];
    if (c.width >= CUT_MIN_WIDTH * Math.max(c.height, 0.8 * digitHeight) || c.width >= PEEL.minWidth * typicalWidth) {
      const at = new Set<number>([...valleys(column), ...splits.flatMap((p) => p.slice(1).map((q) => q.x - c.x))]);
      for (const p of peels) at.add(p.parts[1].x - c.x);
      const minPart = Math.max(2, Math.round(0.1 * digitHeight));
      const xs = [...at].filter((x) => x >= minPart && x <= c.width - minPart).sort((a, b) => a - b);
      const reach = Math.max(1, Math.round(PATH_REACH * Math.max(c.height, 0.8 * digitHeight)));
      for (const [i, x] of xs.entries()) {
        const [left, rest] = cutAlongPath(s, c, c.x + x, reach);
        cuts.push([left, rest]);
        for (const x2 of xs.slice(i + 1))
          if (x2 - x >= minPart) cuts.push([left, ...cutAlongPath(s, rest, c.x + x2, reach)]);
      }
    }
    return { cand: c, splits, peels, cuts };
  };
  const { order, line } = readingOrder(raw);
  const lines: Atom[][] = [];
  for (const i of order) (lines[line[i]] ??= []).push(atom(raw[i]));
  return { ...none, digitHeight, typicalWidth, merged: merged.map(atom), lines };
}

/** The ways to read one line's atoms [i, j) as digits, each a list of candidates. */
export function readingsOf(s: Segmentation, line: Atom[], i: number, j: number): Candidate[][] {
  if (j - i === 1) {
    const a = line[i];
    return [[a.cand], ...a.cuts];
  }
  let c = line[i].cand;
  for (let k = i + 1; k < j; k++) {
    const next = line[k].cand;
    if (next.x - (c.x + c.width) > JOIN.maxGap * s.digitHeight) return [];
    c = join(c, next);
  }
  return c.width <= JOIN.maxWidth * s.digitHeight ? [[c]] : [];
}

/** Every candidate a reading of the lines may use (a candidate may appear more than once). */
export function lineCandidates(s: Segmentation): Candidate[] {
  const all: Candidate[] = [];
  for (const line of s.lines)
    for (let i = 0; i < line.length; i++)
      for (let j = i + 1; j <= Math.min(line.length, i + JOIN_ATOMS); j++)
        for (const r of readingsOf(s, line, i, j)) all.push(...r);
  return all;
}

/**
 * The candidate's own ink (its components inside its box), as a crop of the ink image. Both views are made from
 * it; a caller making both passes the crop to each.
 */
export function cropOf(s: Segmentation, c: Candidate): Uint8Array {
  const crop = new Uint8Array(c.width * c.height);
  forEachCandidatePixel(s, c, (i, x, y) => (crop[(y - c.y) * c.width + x - c.x] = s.data[i]));
  return crop;
}

/** The candidate preprocessed as one digit, or null when no ink is left in it (a split sliver). */
export function digitView(
  s: Segmentation,
  c: Candidate,
  options: PreprocessOptions = {},
  crop = cropOf(s, c),
): Preprocessed | null {
  const view = (width: number, height: number, data: Uint8Array) => {
    try {
      return preprocess({ width, height, channels: 1, data }, { ...options, invert: false });
    } catch {
      return null;
    }
  };
  const direct = view(c.width, c.height, crop);
  if (direct || Math.min(c.width, c.height) > 2) return direct;
  // A 1-px pen's upright 1 fills its 1-px-wide box: with no paper in the crop to tell the ink from, it came out
  // empty (detect() read nothing in such a 1). The paper around it is given back.
  const width = c.width + 2;
  const framed = new Uint8Array(width * (c.height + 2));
  for (let y = 0; y < c.height; y++) framed.set(crop.subarray(y * c.width, (y + 1) * c.width), (y + 1) * width + 1);
  return view(width, c.height + 2, framed);
}

/** The candidate's ink at the line's scale (typical digit height → 20 px), centred on its box, 28×28. */
export function contextView(s: Segmentation, c: Candidate, crop = cropOf(s, c)): Uint8Array {
  let max = s.threshold + 1;
  for (const v of crop) if (v > max) max = v;
  const ink = new Float32Array(crop.length);
  for (let i = 0; i < crop.length; i++)
    ink[i] = crop[i] > s.threshold ? ((crop[i] - s.threshold) / (max - s.threshold)) * 255 : 0;
  const scale = FIT / s.digitHeight;
  // Thin strokes are grown as for the digit view, so that a thin pen does not look like a fragment.
  const grown = growStrokes(ink, c.width, c.height, growthFor(ink, c.width, c.height, scale));
  const tw = Math.max(1, Math.round(grown.width * scale));
  const th = Math.max(1, Math.round(grown.height * scale));
  const small = resizeArea(grown.ink, grown.width, grown.height, tw, th);
  return placeInField(small, tw, th, Math.round((VIEW_SIZE - tw) / 2), Math.round((VIEW_SIZE - th) / 2), VIEW_SIZE);
}

/** The verifier's input: the digit view and the context view side by side (28 rows × 56 columns). */
export function verifierInput(digit: Uint8Array, context: Uint8Array): Uint8Array {
  const out = new Uint8Array(VIEW_SIZE * VIEW_SIZE * 2);
  for (let y = 0; y < VIEW_SIZE; y++) {
    out.set(digit.subarray(y * VIEW_SIZE, (y + 1) * VIEW_SIZE), y * VIEW_SIZE * 2);
    out.set(context.subarray(y * VIEW_SIZE, (y + 1) * VIEW_SIZE), y * VIEW_SIZE * 2 + VIEW_SIZE);
  }
  return out;
}
