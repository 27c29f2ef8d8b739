import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/nn/rng.js';
import { morphologyKernels } from '../../src/kernels/morphology.js';
import { closing, filter1dReference, filterInTurn, opening, squareFilter } from '../../src/vision/morphology.js';

/** The plain definition: the max (min) over the square window, clipped at the edges. */
function reference(src: Uint8Array, w: number, h: number, r: number, max: boolean): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = max ? 0 : 255;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++)
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++)
          v = max ? Math.max(v, src[yy * w + xx]) : Math.min(v, src[yy * w + xx]);
      out[y * w + x] = v;
    }
  return out;
}

/** Index of the first byte where a and b differ, or -1 (toEqual is slow on photo-sized arrays). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('square morphology (van Herk / Gil-Werman)', () => {
  it('equals the plain max and min over the window on random images, windows wider than the image included', () => {
    const rng = new Rng(11);
    for (const [w, h, r] of [
      [1, 1, 1],
      [7, 3, 1],
      [23, 17, 2],
      [31, 29, 5],
      [9, 40, 12],
    ]) {
      const src = Uint8Array.from({ length: w * h }, () => Math.floor(rng.next() * 256));
      for (const max of [true, false]) expect(squareFilter(src, w, h, r, max)).toEqual(reference(src, w, h, r, max));
    }
  });

  it('the TypeScript reference alone equals the plain definition too (the fallback without WebAssembly SIMD)', () => {
    const rng = new Rng(12);
    for (const [w, h, r] of [
      [1, 1, 1],
      [23, 17, 2],
      [9, 40, 12],
    ]) {
      const src = Uint8Array.from({ length: w * h }, () => Math.floor(rng.next() * 256));
      for (const max of [true, false]) {
        const tmp = new Uint8Array(w * h);
        const out = new Uint8Array(w * h);
        filter1dReference(src, tmp, w, h, r, true, max);
        filter1dReference(tmp, out, w, h, r, false, max);
        expect(out).toEqual(reference(src, w, h, r, max));
      }
    }
  });

  it('the WebAssembly SIMD kernels give the reference byte for byte, one pass or a closing and an opening in one call', () => {
    expect(morphologyKernels()).not.toBeNull(); // Node 20 has WebAssembly SIMD
    const rng = new Rng(13);
    // Widths on either side of the 16-byte vectors, windows wider than the picture, and a photo-sized picture.
    for (const [w, h, r] of [
      [1, 1, 1],
      [15, 4, 1],
      [16, 9, 3],
      [17, 33, 2],
      [47, 5, 30],
      [1102, 402, 25],
    ]) {
      // Smooth and noisy rows alike: a ramp with noise on it.
      const src = Uint8Array.from({ length: w * h }, (_, i) =>
        Math.min(255, Math.floor(((i % w) / w) * 180 + rng.next() * 76)),
      );
      for (const horizontal of [true, false])
        for (const max of [true, false]) {
          const fast = new Uint8Array(w * h);
          const slow = new Uint8Array(w * h);
          filterInTurn(src, fast, w, h, [{ r, horizontal, max }]);
          filter1dReference(src, slow, w, h, r, horizontal, max);
          expect(firstDifference(fast, slow)).toBe(-1);
        }
      const passes = (first: boolean) => {
        const out = new Uint8Array(w * h);
        const tmp = new Uint8Array(w * h);
        filter1dReference(src, tmp, w, h, r, true, first);
        filter1dReference(tmp, out, w, h, r, false, first);
        filter1dReference(out, tmp, w, h, r, true, !first);
        filter1dReference(tmp, out, w, h, r, false, !first);
        return out;
      };
      expect(firstDifference(closing(src, w, h, r), passes(true))).toBe(-1);
      expect(firstDifference(opening(src, w, h, r), passes(false))).toBe(-1);
    }
  });

  it('a closing wipes out dark strokes narrower than its window and keeps broad dark regions; an opening the same for light', () => {
    const [w, h] = [60, 40];
    const img = new Uint8Array(w * h).fill(220);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        if (x >= 10 && x < 13) img[y * w + x] = 30; // a 3-px dark stroke
        if (x >= 40) img[y * w + x] = 90; // a broad dark region (a table)
      }
    const closed = closing(img, w, h, 3);
    for (let y = 0; y < h; y++) {
      expect(closed[y * w + 11]).toBe(220);
      expect(closed[y * w + 50]).toBe(90);
      expect(closed[y * w + 40]).toBe(90); // the edge stays where it was
    }
    const light = img.map((v) => 255 - v);
    expect(opening(light, w, h, 3)).toEqual(closed.map((v) => 255 - v));
  });
});
