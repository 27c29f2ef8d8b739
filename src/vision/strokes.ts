/**
 * Stroke width: measured, and brought toward MNIST's. A digit drawn with a 1-px pen, or a big photo of a
 * thin-penned digit, shrinks to strokes of a fraction of a pixel at MNIST's 20-px size, which a model trained on
 * MNIST's 2-px strokes misreads; such strokes are thickened before the digit is scaled down.
 */

/**
 * The mean width of the strokes of a binary mask: twice the area over the boundary length (a stroke of width t
 * and length L has area tL and a boundary of about 2L). Counts 4-neighbour edges between ink and background (the
 * image's border counts as background). 0 for an empty mask.
 */
export function meanStrokeWidth(mask: Uint8Array, width: number, height: number): number {
  let area = 0;
  let boundary = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      area++;
      if (x === 0 || !mask[i - 1]) boundary++;
      if (x === width - 1 || !mask[i + 1]) boundary++;
      if (y === 0 || !mask[i - width]) boundary++;
      if (y === height - 1 || !mask[i + width]) boundary++;
    }
  return boundary > 0 ? (2 * area) / boundary : 0;
}

/**
 * The distance from each pixel to the nearest ink pixel of the mask (0 on ink), by the two-pass chamfer
 * transform with weights 1 and √2: at most 8.3 % (1 / cos 22.5°) over the Euclidean distance, in time proportional to the
 * pixels whatever the distances.
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
