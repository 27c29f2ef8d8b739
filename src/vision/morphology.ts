/**
 * Grey-level morphology with square windows, in time proportional to the pixels whatever the window (van Herk
 * 1992, Gil and Werman 1993: each row or column is cut into blocks of the window's length, whose running maxima
 * from either end give any window's maximum from two of them). What the paper model is built on: a closing
 * (maximum, then minimum) wipes out dark strokes narrower than the window and keeps everything broader — the
 * paper, its shadows, the table around it — so the closing minus the picture is the ink alone. The filters run
 * in WebAssembly SIMD (kernels/morphology.ts) where they can; the TypeScript here defines what they compute.
 */
import { morphologyKernels, type FilterPass } from '../kernels/morphology.js';

/**
 * Filter passes one after the other (see FilterPass), in WebAssembly where it runs (which keeps the picture between
 * passes); into `out`.
 */
export function filterInTurn(
  src: Uint8Array,
  out: Uint8Array,
  width: number,
  height: number,
  passes: FilterPass[],
): void {
  const fast = morphologyKernels();
  if (fast) return fast.filter(src, out, width, height, passes);
  let from = src;
  for (const [i, { r, horizontal, max }] of passes.entries()) {
    const to = i === passes.length - 1 ? out : new Uint8Array(src.length);
    filter1dReference(from, to, width, height, r, horizontal, max);
    from = to;
  }
}

/**
 * One pass in TypeScript: the maximum (or minimum) over a window of 2r + 1 pixels along each row (`horizontal`) or
 * column, clipped at the image's edges, into `out` (which may not be `src`). The reference the WebAssembly kernels
 * are tested against, and their fallback.
 */
export function filter1dReference(
  src: Uint8Array,
  out: Uint8Array,
  width: number,
  height: number,
  r: number,
  horizontal: boolean,
  max: boolean,
): void {
  if (!horizontal) return filterColumns(src, out, width, height, r, max);
  const n = horizontal ? width : height;
  const lines = horizontal ? height : width;
  const step = horizontal ? 1 : width;
  const k = 2 * r + 1;
  // The line padded by r on each side (with a value that never wins), rounded up to whole blocks.
  const m = Math.ceil((n + 2 * r) / k) * k;
  const padded = new Uint8Array(m);
  const g = new Uint8Array(m);
  const h = new Uint8Array(m);
  const none = max ? 0 : 255;
  for (let line = 0; line < lines; line++) {
    const start = horizontal ? line * width : line;
    padded.fill(none, 0, r);
    padded.fill(none, n + r);
    for (let i = 0, j = start; i < n; i++, j += step) padded[i + r] = src[j];
    // Two loops per direction, kept apart so that each compares inline.
    if (max)
      for (let b = 0; b < m; b += k) {
        let run = 0;
        for (let i = b; i < b + k; i++) g[i] = run = run > padded[i] ? run : padded[i];
        run = 0;
        for (let i = b + k - 1; i >= b; i--) h[i] = run = run > padded[i] ? run : padded[i];
      }
    else
      for (let b = 0; b < m; b += k) {
        let run = 255;
        for (let i = b; i < b + k; i++) g[i] = run = run < padded[i] ? run : padded[i];
        run = 255;
        for (let i = b + k - 1; i >= b; i--) h[i] = run = run < padded[i] ? run : padded[i];
      }
    // The window of output i is padded[i … i + 2r].
    if (max)
      for (let i = 0, j = start; i < n; i++, j += step) {
        const a = h[i];
        const c = g[i + k - 1];
        out[j] = a > c ? a : c;
      }
    else
      for (let i = 0, j = start; i < n; i++, j += step) {
        const a = h[i];
        const c = g[i + k - 1];
        out[j] = a < c ? a : c;
      }
  }
}

/**
 * The same as filter1dReference along columns, a whole row at a time: the block maxima run down the rows, so memory is
 * read in order instead of a column's stride apart.
 */
function filterColumns(src: Uint8Array, out: Uint8Array, width: number, height: number, r: number, max: boolean): void {
  const k = 2 * r + 1;
  const m = Math.ceil((height + 2 * r) / k) * k;
  const none = max ? 0 : 255;
  const g = new Uint8Array(m * width);
  const h = new Uint8Array(m * width);
  // Row i of the padded picture is the source's row i − r (or `none` outside it).
  const row = (i: number) => (i - r >= 0 && i - r < height ? (i - r) * width : -1);
  for (let b = 0; b < m; b += k) {
    for (let i = b; i < b + k; i++) {
      const s = row(i);
      const o = i * width;
      if (i === b) {
        if (s >= 0) g.set(src.subarray(s, s + width), o);
        else g.fill(none, o, o + width);
        continue;
      }
      const p = o - width;
      if (s < 0) g.copyWithin(o, p, p + width);
      else if (max)
        for (let x = 0; x < width; x++) {
          const a = g[p + x];
          const c = src[s + x];
          g[o + x] = a > c ? a : c;
        }
      else
        for (let x = 0; x < width; x++) {
          const a = g[p + x];
          const c = src[s + x];
          g[o + x] = a < c ? a : c;
        }
    }
    for (let i = b + k - 1; i >= b; i--) {
      const s = row(i);
      const o = i * width;
      if (i === b + k - 1) {
        if (s >= 0) h.set(src.subarray(s, s + width), o);
        else h.fill(none, o, o + width);
        continue;
      }
      const n = o + width;
      if (s < 0) h.copyWithin(o, n, n + width);
      else if (max)
        for (let x = 0; x < width; x++) {
          const a = h[n + x];
          const c = src[s + x];
          h[o + x] = a > c ? a : c;
        }
      else
        for (let x = 0; x < width; x++) {
          const a = h[n + x];
          const c = src[s + x];
          h[o + x] = a < c ? a : c;
        }
    }
  }
  // The window of output row y is padded rows y … y + 2r.
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const a0 = y * width;
    const c0 = (y + k - 1) * width;
    if (max)
      for (let x = 0; x < width; x++) {
        const a = h[a0 + x];
        const c = g[c0 + x];
        out[o + x] = a > c ? a : c;
      }
    else
      for (let x = 0; x < width; x++) {
        const a = h[a0 + x];
        const c = g[c0 + x];
        out[o + x] = a < c ? a : c;
      }
  }
}

/** Maximum (dilation) or minimum (erosion) over a (2r + 1)² square, clipped at the edges. */
export function squareFilter(src: Uint8Array, width: number, height: number, r: number, max: boolean): Uint8Array {
  const out = new Uint8Array(src.length);
  filterInTurn(src, out, width, height, square(r, max));
  return out;
}

const square = (r: number, max: boolean): FilterPass[] => [
  { r, horizontal: true, max },
  { r, horizontal: false, max },
];

/** Closing (dilation, then erosion) over a (2r + 1)² square: dark features narrower than the square vanish. */
export function closing(src: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const out = new Uint8Array(src.length);
  filterInTurn(src, out, width, height, [...square(r, true), ...square(r, false)]);
  return out;
}

/** Opening (erosion, then dilation): light features narrower than the square vanish. */
export function opening(src: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const out = new Uint8Array(src.length);
  filterInTurn(src, out, width, height, [...square(r, false), ...square(r, true)]);
  return out;
}
