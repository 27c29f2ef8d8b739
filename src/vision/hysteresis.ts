/**
 * Ink by hysteresis (as in Canny's edge linking): a pixel is ink when it is above a low threshold and connected
 * to a pixel above the high one. Faint strokes (thinned, blurred, lightly pressed) then stay joined to the rest
 * of their digit instead of breaking into specks that are dropped, while faint marks that touch no clear ink
 * are still left out. The low threshold follows the local background, so uneven lighting does not flood a
 * page's brighter side.
 */
import { connectedComponents, type Component } from './components.js';
import { squareFilter } from './morphology.js';
import { histogramMedian, histogramQuantile } from './polarity.js';
import { otsuThreshold } from './preprocess.js';

/** Where between the background and the high threshold the low one lies (tuned on held-out synthetic strings). */
export const LOW_FRACTION = 0.4;
/**
 * Side of the blocks whose median levels estimate the local background: 32 px, or a 40th of the image's longer
 * side in a large photo, where strokes are wider (the lowest of 3×3 blocks must reach past a stroke's width).
 */
export const blockSize = (width: number, height: number) => Math.max(32, Math.round(Math.max(width, height) / 40));

/**
 * The background level around each pixel of an ink image (ink bright, background dark): the median of each
 * block (blockSize), the lowest among its 3×3 neighbour blocks (a block a thick stroke fills is not background),
 * then interpolated between block centres; and the typical level (the median block's).
 */
export function localBackground(
  data: Uint8Array,
  width: number,
  height: number,
): { perPixel: Float32Array; typical: number } {
  const block = blockSize(width, height);
  const bw = Math.max(1, Math.round(width / block));
  const bh = Math.max(1, Math.round(height / block));
  const medians = new Uint8Array(bw * bh);
  const hist = new Uint32Array(256);
  for (let by = 0; by < bh; by++) {
    const y0 = Math.floor((by * height) / bh);
    const y1 = Math.floor(((by + 1) * height) / bh);
    for (let bx = 0; bx < bw; bx++) {
      const x0 = Math.floor((bx * width) / bw);
      const x1 = Math.floor(((bx + 1) * width) / bw);
      hist.fill(0);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hist[data[y * width + x]]++;
      medians[by * bw + bx] = histogramMedian(hist, (y1 - y0) * (x1 - x0));
    }
  }
  const lowest = squareFilter(medians, bw, bh, 1, false);
  const perPixel = new Float32Array(width * height);
  // Each column's two neighbour block centres and weight, computed once.
  const cx0 = new Int32Array(width);
  const cx1 = new Int32Array(width);
  const ctx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(bw - 1, Math.max(0, ((x + 0.5) * bw) / width - 0.5));
    cx0[x] = Math.floor(fx);
    cx1[x] = Math.min(bw - 1, cx0[x] + 1);
    ctx[x] = fx - cx0[x];
  }
  for (let y = 0; y < height; y++) {
    // Position in block-centre coordinates, clamped at the outer centres.
    const fy = Math.min(bh - 1, Math.max(0, ((y + 0.5) * bh) / height - 0.5));
    const r0 = Math.floor(fy) * bw;
    const r1 = Math.min(bh - 1, Math.floor(fy) + 1) * bw;
    const ty = fy - Math.floor(fy);
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const tx = ctx[x];
      const top = lowest[r0 + cx0[x]] * (1 - tx) + lowest[r0 + cx1[x]] * tx;
      const bottom = lowest[r1 + cx0[x]] * (1 - tx) + lowest[r1 + cx1[x]] * tx;
      perPixel[row + x] = top + (bottom - top) * ty;
    }
  }
  const typical = Float32Array.from(lowest).sort()[lowest.length >> 1];
  return { perPixel, typical };
}

/** Where the thresholds stay above the paper's texture, in spreads (the upper quartile's distance from the median). */
const HIGH_SPREADS = 6;
const LOW_SPREADS = 3;

/**
 * The paper's level and texture in a levelled ink image: its median and the distance from the median to the upper
 * quartile (0.67σ of normal noise). Ink is under a quarter of a picture of writing, so both are the paper's —
 * unless the upper quartile is itself ink: a bold digit cropped close covers a third of its picture, and a
 * "texture" then puts the high threshold above every level there is, or above the ink's own (a number drawn large
 * with a broad pen, its ink a quarter of the picture, the quartile on its strokes' soft edges: read as nothing).
 * Then they are taken from the pixels at or below `inkFrom` (Otsu's threshold) alone — when what lies above it is
 * ink by that paper's measure. (Otsu's threshold also splits a blank textured sheet, but the upper half of a texture
 * lies within a few of its spreads.)
 */
export function textureOf(level: Uint8Array, inkFrom: number): { median: number; spread: number } {
  const hist = new Uint32Array(256);
  for (let i = 0; i < level.length; i++) hist[level[i]]++;
  const inkCount = level.length - Array.from(hist.subarray(0, inkFrom + 1)).reduce((a, b) => a + b, 0);
  // The median level of what lies above inkFrom, before those levels are cleared below.
  let inkMedian = 255;
  for (let v = inkFrom + 1, seen = 0; v < 256; v++)
    if ((seen += hist[v]) >= inkCount / 2) {
      inkMedian = v;
      break;
    }
  const of = (count: number) => {
    const median = histogramMedian(hist, count);
    return { median, spread: histogramQuantile(hist, count, 0.75) - median };
  };
  const all = of(level.length);
  const high = all.median + HIGH_SPREADS * all.spread;
  if (high <= 255 && (high <= inkMedian || inkCount === 0)) return all;
  hist.fill(0, inkFrom + 1);
  const paper = of(level.length - inkCount);
  if (high > 255 || inkMedian >= paper.median + HIGH_SPREADS * paper.spread) return paper;
  return all;
}

/**
 * An ink image with its background made level (each pixel minus its local background, plus the typical one),
 * and its ink components by hysteresis: pixels above `low` = the background + `fraction` of the way to the high
 * threshold (Otsu's), in components that reach above the high one.
 */
export function hysteresisInk(
  data: Uint8Array,
  width: number,
  height: number,
  fraction = LOW_FRACTION,
): { data: Uint8Array; low: number; labels: Int32Array; components: Component[] } {
  const { perPixel, typical } = localBackground(data, width, height);
  const clamped = new Uint8ClampedArray(data.length); // stores round(v) clamped to 0–255
  for (let i = 0; i < data.length; i++) clamped[i] = data[i] - perPixel[i] + typical;
  const level = new Uint8Array(clamped.buffer);
  // Textured paper (kraft's fibres, grain, sensor noise) fills the histogram, and Otsu's threshold then splits the
  // texture; both thresholds stay well above its spread (4σ and 2σ of a normal texture).
  const otsu = otsuThreshold(level);
  const { median, spread } = textureOf(level, otsu);
  const high = Math.max(otsu, Math.round(median + HIGH_SPREADS * spread));
  const low = Math.max(
    Math.round(typical + fraction * Math.max(0, high - typical)),
    Math.round(median + LOW_SPREADS * spread),
  );
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = level[i] > low ? 1 : 0;
  const weak = connectedComponents(mask, width, height);
  // Keep the components with strong ink, renumbered 1, 2, … in the order found.
  const id = new Int32Array(weak.components.length + 1);
  for (let i = 0; i < mask.length; i++) if (level[i] > high) id[weak.labels[i]] = 1;
  const components: Component[] = [];
  for (const c of weak.components) if (id[c.id]) components.push({ ...c, id: (id[c.id] = components.length + 1) });
  const labels = weak.labels;
  for (let i = 0; i < labels.length; i++) labels[i] = id[labels[i]];
  return { data: level, low, labels, components };
}
