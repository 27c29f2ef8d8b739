/**
 * Stroke width: measured, and brought toward MNIST's. A digit drawn with a 1-px pen, or a big photo of a
 * thin-penned digit, shrinks to strokes of a fraction of a pixel at MNIST's 20-px size, which a model trained on
 * MNIST's 2-px strokes misreads; such strokes are thickened before the digit is scaled down.
 */

/**
 * Stroke widths at MNIST's scale (the digit's longer side 20 px), as `meanStrokeWidth` measures them on MNIST's
 * training digits: 1.4 px at the 10th percentile, 2.0 px at the median. Strokes thinner than the first are grown
 * to the second before scaling.
 */
export const MIN_STROKE = 1.4;
export const TARGET_STROKE = 2;

/**
 * The mean width of the strokes of a mask (ink where it is above 0): twice the area over the boundary length (a
 * stroke of width t and length L has area tL and a boundary of about 2L). Counts 4-neighbour edges between ink and background (the
 * image's border counts as background). 0 for an empty mask.
 */
export function meanStrokeWidth(mask: Uint8Array | Float32Array, width: number, height: number): number {
  let area = 0;
  let boundary = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!(mask[i] > 0)) continue;
      area++;
      if (x === 0 || !(mask[i - 1] > 0)) boundary++;
      if (x === width - 1 || !(mask[i + 1] > 0)) boundary++;
      if (y === 0 || !(mask[i - width] > 0)) boundary++;
      if (y === height - 1 || !(mask[i + width] > 0)) boundary++;
    }
  return boundary > 0 ? (2 * area) / boundary : 0;
}

/**
 * The distance from each pixel to the nearest ink pixel of the mask (0 on ink), by the two-pass chamfer
 * transform with weights 1 and √2: at most 8.3 % (1 / cos 22.5°) over the Euclidean distance, in time
 * proportional to the pixels whatever the distances.
 */
export function distanceToInk(mask: Uint8Array, width: number, height: number): Float32Array {
  const d = new Float32Array(width * height);
  for (let i = 0; i < d.length; i++) d[i] = mask[i] ? 0 : Infinity;
  const diagonal = Math.SQRT2;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let v = d[i];
      if (v === 0) continue;
      if (x > 0) v = Math.min(v, d[i - 1] + 1);
      if (y > 0) {
        v = Math.min(v, d[i - width] + 1);
        if (x > 0) v = Math.min(v, d[i - width - 1] + diagonal);
        if (x < width - 1) v = Math.min(v, d[i - width + 1] + diagonal);
      }
      d[i] = v;
    }
  for (let y = height - 1; y >= 0; y--)
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      let v = d[i];
      if (v === 0) continue;
      if (x < width - 1) v = Math.min(v, d[i + 1] + 1);
      if (y < height - 1) {
        v = Math.min(v, d[i + width] + 1);
        if (x < width - 1) v = Math.min(v, d[i + width + 1] + diagonal);
        if (x > 0) v = Math.min(v, d[i + width - 1] + diagonal);
      }
      d[i] = v;
    }
  return d;
}

/**
 * How far to grow strokes of mean width `stroke` in a digit whose longer side is `length` pixels, so that once
 * that side (grown too) is scaled to `fit` pixels, the strokes are `target` pixels wide: solves
 * (stroke + 2r)·fit / (length + 2r) = target for r. 0 when they are wide enough already.
 */
export function thickeningRadius(stroke: number, length: number, fit: number, target: number): number {
  if (stroke * (fit / length) >= target || fit <= target) return 0;
  return Math.max(0, (target * length - stroke * fit) / (2 * (fit - target)));
}

/**
 * A w×h ink crop (0–255, 0 = no ink) with its strokes grown by `grow` px on every side, in a crop padded by
 * ⌈grow⌉ on every side to hold them. A pixel d from the nearest ink pixel's centre is covered by the grown stroke
 * over grow + 1 − d of its width (an anti-aliased edge); ink already there keeps its level where that is higher.
 */
export function growStrokes(
  ink: Float32Array,
  w: number,
  h: number,
  grow: number,
): { ink: Float32Array; width: number; height: number } {
  const pad = Math.ceil(grow);
  if (pad === 0) return { ink, width: w, height: h };
  const width = w + 2 * pad;
  const height = h + 2 * pad;
  const out = new Float32Array(width * height);
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y + pad) * width + x + pad;
      out[i] = ink[y * w + x];
      mask[i] = out[i] > 0 ? 1 : 0;
    }
  const distance = distanceToInk(mask, width, height);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.max(out[i], 255 * Math.min(1, Math.max(0, grow + 1 - distance[i])));
  return { ink: out, width, height };
}

/**
 * How far to grow the strokes of an ink crop that will be scaled by `scale`, when they would come out thinner
 * than MIN_STROKE: to TARGET_STROKE (0 otherwise). With `length` (the crop's longer side, scaled to a fixed size
 * whatever the growth), the growth of that side is allowed for.
 */
export function growthFor(ink: Float32Array, w: number, h: number, scale: number, length?: number): number {
  const stroke = meanStrokeWidth(ink, w, h);
  if (stroke * scale >= MIN_STROKE) return 0;
  return length === undefined
    ? (TARGET_STROKE / scale - stroke) / 2
    : thickeningRadius(stroke, length, length * scale, TARGET_STROKE);
}
