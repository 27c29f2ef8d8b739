import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/nn/rng.js';
import { distanceToInk, meanStrokeWidth, thickeningRadius } from '../../src/vision/strokes.js';

/** A w×h mask with `on(x, y)` set. */
function mask(w: number, h: number, on: (x: number, y: number) => boolean): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = on(x, y) ? 1 : 0;
  return m;
}

describe('stroke width', () => {
  it('a long bar of width t measures close to t (the ends add a little boundary)', () => {
    for (const t of [1, 2, 3, 5]) {
      const m = mask(120, 20, (x, y) => x >= 10 && x < 110 && y >= 5 && y < 5 + t);
      // area 100t, boundary 200 + 2t.
      expect(meanStrokeWidth(m, 120, 20)).toBeCloseTo((200 * t) / (200 + 2 * t), 10);
    }
    expect(meanStrokeWidth(new Uint8Array(9), 3, 3)).toBe(0);
  });

  it('the chamfer distance is within 8.24 % (1 / cos 22.5°) of the Euclidean distance to the nearest ink pixel', () => {
    const rng = new Rng(3);
    const [w, h] = [40, 30];
    const m = mask(w, h, () => rng.next() < 0.01);
    m[0] = 1; // at least one ink pixel
    const d = distanceToInk(m, w, h);
    const ink: [number, number][] = [];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (m[y * w + x]) ink.push([x, y]);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const exact = Math.min(...ink.map(([a, b]) => Math.hypot(a - x, b - y)));
        if (exact === 0) expect(d[y * w + x]).toBe(0);
        else {
          expect(d[y * w + x]).toBeGreaterThanOrEqual(exact - 1e-6);
          expect(d[y * w + x]).toBeLessThanOrEqual(exact / Math.cos(Math.PI / 8) + 1e-6);
        }
      }
  });

  it('the thickening radius makes strokes the target width once scaled, and is 0 for wide enough ones', () => {
    // A 100-px digit with 3-px strokes scaled to 20 px: strokes of 0.6 px. Grown by r on each side:
    const r = thickeningRadius(3, 100, 20, 2);
    expect(((3 + 2 * r) * 20) / (100 + 2 * r)).toBeCloseTo(2, 10);
    expect(thickeningRadius(2.5, 20, 20, 2)).toBe(0);
    expect(thickeningRadius(1, 20, 20, 2)).toBeCloseTo((0.5 * (40 - 20)) / 18, 10);
  });
});
