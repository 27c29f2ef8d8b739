/**
 * Long straight lines among the ink's components, at any angle: a crease across the sheet, the sheet's edge in a
 * tilted photo, a line the paper model left. Each is far longer than a digit and straight, while a digit's
 * strokes are short and curved; a digit it crosses is part of its component, so the line's own pixels are taken
 * out rather than the whole component, and what is left is labelled again. Where a stroke crosses the line or runs
 * along it, the line's pixels hold both inks: those well above the line's own level are the stroke's, and stay.
 */
import { connectedComponents, SPECK_SHARE, type Component } from './components.js';

/**
 * A line: this long at least, of the picture's shorter side and of the median height of the other components
 * (a 1 is as tall as the digits beside it; a lone stroke is read, not removed), and this thin (of its length) at
 * most.
 */
const LINE = { minLength: 0.5, minDigits: 2.5, maxThickness: 0.06 };

/** The straight line through points (least squares, by their principal axis): centre and unit direction. */
function principalAxis(
  xs: number[],
  ys: number[],
  keep: boolean[],
): { cx: number; cy: number; ux: number; uy: number } {
  let n = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < xs.length; i++)
    if (keep[i]) {
      n++;
      cx += xs[i];
      cy += ys[i];
    }
  cx /= n;
  cy /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < xs.length; i++)
    if (keep[i]) {
      const dx = xs[i] - cx;
      const dy = ys[i] - cy;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  return { cx, cy, ux: Math.cos(angle), uy: Math.sin(angle) };
}

/**
 * The level of a line's own ink, and what a stroke on it must exceed. Strokes crossing the line or running along
 * it (a pen's ink over a crease's shadow) are what stands `factor` times above the line's `level` quantile, taken
 * among the pixels below `clear` times its median (so that strokes, however much of the line they cover, do not
 * raise it). Not a multiple of the median alone: a crease's soft shoulders are most of its pixels, its core stood
 * at up to 2.8 times their median, and a line left behind through the picture was taken for the digits' height.
 * In bench-real's creases the 99th percentile of the line's ink lay at 1.1–1.2 times its 90th.
 */
const STROKE_OVER_LINE = { clear: 3, level: 0.9, factor: 1.4 };

/** Pixels this close (px) to a line through two of them count for it. */
const INLIER = 1.5;
/** Pixels taken at each end of a component, and pixels (at most) counted for each line through a pair of them. */
const ENDS = 30;
const COUNTED = 3000;

/**
 * The line through the most of a component's pixels, among those through a pixel at one end of it and one at the
 * other (along its longer side): a line longer than the digits it crosses spans the component, so its two ends
 * are there. Pixels are counted on an even sample.
 */
function dominantLine(xs: number[], ys: number[]): { cx: number; cy: number; ux: number; uy: number } {
  const n = xs.length;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++)
    [x0, x1, y0, y1] = [Math.min(x0, xs[i]), Math.max(x1, xs[i]), Math.min(y0, ys[i]), Math.max(y1, ys[i])];
  const wide = x1 - x0 >= y1 - y0;
  const [lo, hi] = wide ? [x0, x1] : [y0, y1];
  const margin = Math.max(2, 0.03 * (hi - lo));
  const at = (i: number) => (wide ? xs[i] : ys[i]);
  const sample = (list: number[]) => list.filter((_, k) => k % Math.max(1, Math.floor(list.length / ENDS)) === 0);
  const first = sample(xs.map((_, i) => i).filter((i) => at(i) <= lo + margin));
  const last = sample(xs.map((_, i) => i).filter((i) => at(i) >= hi - margin));
  const step = Math.max(1, Math.floor(n / COUNTED));
  let best = { cx: xs[0], cy: ys[0], ux: wide ? 1 : 0, uy: wide ? 0 : 1 };
  let bestCount = -1;
  for (const i of first)
    for (const j of last) {
      const length = Math.hypot(xs[j] - xs[i], ys[j] - ys[i]);
      const [ux, uy] = [(xs[j] - xs[i]) / length, (ys[j] - ys[i]) / length];
      let count = 0;
      for (let k = 0; k < n; k += step) if (Math.abs(-(xs[k] - xs[i]) * uy + (ys[k] - ys[i]) * ux) <= INLIER) count++;
      if (count > bestCount) [best, bestCount] = [{ cx: xs[i], cy: ys[i], ux, uy }, count];
    }
  return best;
}

/**
 * The straight, thin, unbroken line a component's pixels make, refitted three times from `start` to the pixels near
 * it (from only those within INLIER of it when `near`), or null when they make none.
 */
function fitLine(
  xs: number[],
  ys: number[],
  start: { cx: number; cy: number; ux: number; uy: number },
  near: boolean,
): { across: (i: number) => number; length: number; thickness: number } | null {
  let axis = start;
  const across = (i: number) => Math.abs(-(xs[i] - axis.cx) * axis.uy + (ys[i] - axis.cy) * axis.ux);
  const keep = xs.map((_, i) => !near || across(i) <= INLIER);
  for (let pass = 0; pass < 3; pass++) {
    if (pass > 0 || near) axis = principalAxis(xs, ys, keep);
    // From the start, the median of all pixels' distances (a line crossing a few strokes); from the line through
    // the most pixels, of those near it only (the rest are mostly digits).
    const d = xs.flatMap((_, i) => (keep[i] || !near ? [across(i)] : [])).sort((a, b) => a - b);
    const limit = Math.max(2, 3 * d[Math.floor(d.length / 2)]);
    for (let i = 0; i < xs.length; i++) keep[i] = across(i) <= limit;
  }
  axis = principalAxis(xs, ys, keep);
  const kept = xs.map((_, i) => i).filter((i) => keep[i]);
  if (kept.length === 0) return null;
  // A loop, not Math.max(...along): a squared page's grid is one component of 10⁵–10⁶ pixels, past the stack.
  let [lo, hi] = [Infinity, -Infinity];
  for (const i of kept) {
    const a = (xs[i] - axis.cx) * axis.ux + (ys[i] - axis.cy) * axis.uy;
    [lo, hi] = [Math.min(lo, a), Math.max(hi, a)];
  }
  const length = hi - lo;
  const spread = kept.map(across).sort((a, b) => a - b);
  const thickness = 2 * spread[Math.floor(spread.length * 0.9)] + 1;
  // Straight and unbroken: thin, and its pixels cover its length.
  if (thickness > LINE.maxThickness * length || kept.length < 0.8 * length) return null;
  return { across, length, thickness };
}

/**
 * Removes long straight lines from the labelled ink (in place) and returns the labels and components anew, or
 * the same ones when there was none. `ink` holds each pixel's ink level (what departs from the paper).
 */
export function removeStraightLines(
  labels: Int32Array,
  components: Component[],
  ink: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; components: Component[] } {
  const long = LINE.minLength * Math.min(width, height);
  // A line is measured against the other components: with one alone (a single digit) nothing is taken out, so its
  // pixels are not fitted (that fit was most of the time of segmenting one digit).
  if (components.filter((c) => c.pixels >= 4).length < 2) return { labels, components };
  // Every long component that is one straight, thin line (or has one through it).
  const lines: { xs: number[]; ys: number[]; line: NonNullable<ReturnType<typeof fitLine>> }[] = [];
  const lineIds = new Set<number>();
  for (const c of components) {
    if (c.pixels < 4 || Math.hypot(c.width, c.height) < long) continue;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = c.y; y < c.y + c.height; y++)
      for (let x = c.x; x < c.x + c.width; x++)
        if (labels[y * width + x] === c.id) {
          xs.push(x);
          ys.push(y);
        }
    // A fit to all the pixels, then again to those near it, so that a digit the line crosses does not pull it; where
    // that finds no line (a crease crossing four thick digits has a fifth of their ink, and a fit to all of it lies
    // among the digits), the fit starts from the line through the most pixels instead.
    const all = xs.map(() => true);
    const line = fitLine(xs, ys, principalAxis(xs, ys, all), false) ?? fitLine(xs, ys, dominantLine(xs, ys), true);
    if (!line || line.length < long) continue;
    lines.push({ xs, ys, line });
    lineIds.add(c.id);
  }
  // The digits' height, from the other components that are not specks: digits written large in a small picture
  // are longer than `long` themselves and count (left out, a 1-px pen's 7 or 1 in a 371×162 picture was measured
  // against the height of a 5's flag and taken out as a line).
  const others = components.filter((c) => c.pixels >= 4 && !lineIds.has(c.id));
  if (lines.length === 0 || others.length === 0) return { labels, components };
  const most = others.reduce((m, c) => Math.max(m, c.pixels), 0);
  const heights = others
    .filter((c) => c.pixels >= SPECK_SHARE * most)
    .map((c) => c.height)
    .sort((a, b) => a - b);
  const minLength = Math.max(long, LINE.minDigits * heights[heights.length >> 1]);
  let removed = false;
  for (const { xs, ys, line } of lines) {
    if (line.length < minLength) continue;
    const on: number[] = [];
    for (let i = 0; i < xs.length; i++) if (line.across(i) <= line.thickness / 2 + 1) on.push(ys[i] * width + xs[i]);
    if (on.length === 0) continue;
    const { clear, level, factor } = STROKE_OVER_LINE;
    const all = on.map((j) => ink[j]).sort((a, b) => a - b);
    const own = all.filter((v) => v <= clear * all[all.length >> 1]);
    const strokeLevel = factor * own[Math.floor(level * (own.length - 1))];
    for (const j of on) if (ink[j] <= strokeLevel) labels[j] = 0;
    removed = true;
  }
  if (!removed) return { labels, components };
  const mask = Uint8Array.from(labels, (v) => (v > 0 ? 1 : 0));
  return connectedComponents(mask, width, height);
}
