/**
 * Long straight lines among the ink's components, at any angle: a crease across the sheet, the sheet's edge in a
 * tilted photo, a line the paper model left. Each is far longer than a digit and straight, while a digit's
 * strokes are short and curved; a digit it crosses is part of its component, so the line's own pixels are taken
 * out rather than the whole component, and what is left is labelled again.
 */
import { connectedComponents, type Component } from './components.js';

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
 * Removes long straight lines from the labelled ink (in place) and returns the labels and components anew, or
 * the same ones when there was none.
 */
export function removeStraightLines(
  labels: Int32Array,
  components: Component[],
  width: number,
  height: number,
): { labels: Int32Array; components: Component[] } {
  const long = LINE.minLength * Math.min(width, height);
  const others = components.filter((c) => c.pixels >= 4 && Math.hypot(c.width, c.height) < long);
  if (others.length === 0) return { labels, components };
  const heights = others.map((c) => c.height).sort((a, b) => a - b);
  const minLength = Math.max(long, LINE.minDigits * heights[heights.length >> 1]);
  let removed = false;
  for (const c of components) {
    if (Math.hypot(c.width, c.height) < minLength) continue;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = c.y; y < c.y + c.height; y++)
      for (let x = c.x; x < c.x + c.width; x++)
        if (labels[y * width + x] === c.id) {
          xs.push(x);
          ys.push(y);
        }
    // Fit, then fit again to the pixels near the line, so that a digit it crosses does not pull it.
    const keep = xs.map(() => true);
    let axis = principalAxis(xs, ys, keep);
    const across = (i: number) => Math.abs(-(xs[i] - axis.cx) * axis.uy + (ys[i] - axis.cy) * axis.ux);
    for (let pass = 0; pass < 3; pass++) {
      const d = xs.map((_, i) => across(i)).sort((a, b) => a - b);
      const limit = Math.max(2, 3 * d[Math.floor(d.length / 2)]);
      for (let i = 0; i < xs.length; i++) keep[i] = across(i) <= limit;
      axis = principalAxis(xs, ys, keep);
    }
    const near = xs.map((_, i) => i).filter((i) => keep[i]);
    const along = near.map((i) => (xs[i] - axis.cx) * axis.ux + (ys[i] - axis.cy) * axis.uy);
    // A loop, not Math.max(...along): a squared page's grid is one component of 10⁵–10⁶ pixels, past the stack.
    let [lo, hi] = [Infinity, -Infinity];
    for (const a of along) [lo, hi] = [Math.min(lo, a), Math.max(hi, a)];
    const length = hi - lo;
    const spread = near.map(across).sort((a, b) => a - b);
    const thickness = 2 * spread[Math.floor(spread.length * 0.9)] + 1;
    // Straight and unbroken: long, thin, and its pixels cover its length.
    if (length < minLength || thickness > LINE.maxThickness * length || near.length < 0.8 * length) continue;
    for (let i = 0; i < xs.length; i++) if (across(i) <= thickness / 2 + 1) labels[ys[i] * width + xs[i]] = 0;
    removed = true;
  }
  if (!removed) return { labels, components };
  const mask = Uint8Array.from(labels, (v) => (v > 0 ? 1 : 0));
  return connectedComponents(mask, width, height);
}
