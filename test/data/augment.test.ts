import { describe, expect, it } from 'vitest';
import { affineWarp, AUGMENT_PRESETS, augmentProblem, makeAugmenter, strokeWidth } from '../../src/data/augment.js';
import { loadMnist } from '../../src/data/index.js';

const lcg = (seed: number) => () => (seed = (seed * 48271) % 2147483647) / 2147483647;

describe('augmentation', () => {
  const src = Uint8Array.from({ length: 25 }, (_, i) => i * 10); // 5×5 ramp
  const out = new Uint8Array(25);

  it('the identity warp copies; an integer shift moves pixels and fills zeros', () => {
    affineWarp(src, out, 5, 5, [1, 0, 0, 1], 0, 0);
    expect(out).toEqual(src);
    // sampling the source one column to the left moves the content right by one
    affineWarp(src, out, 5, 5, [1, 0, 0, 1], -1, 0);
    for (let y = 0; y < 5; y++) {
      expect(out[y * 5]).toBe(0);
      for (let x = 1; x < 5; x++) expect(out[y * 5 + x]).toBe(src[y * 5 + x - 1]);
    }
  });

  it('a 90° rotation matrix turns the image exactly', () => {
    // out(x, y) = src at M·(x − c, y − c) + c with M = [[0, −1], [1, 0]]: out(x, y) = src(c − (y − c), x)
    affineWarp(src, out, 5, 5, [0, -1, 1, 0], 0, 0);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) expect(out[y * 5 + x]).toBe(src[x * 5 + (4 - y)]);
  });

  it('an augmenter with nothing to do copies; presets change images reproducibly and keep most of the ink', () => {
    const t = loadMnist().test!;
    const n = 64;
    const images = t.images.subarray(0, n * 784);
    const copy = new Uint8Array(n * 784);
    makeAugmenter({}, 28, 28)(images, n, copy, lcg(1));
    expect(Buffer.from(copy).equals(Buffer.from(images))).toBe(true);
    for (const name of ['light', 'standard', 'strong', 'robust'] as const) {
      const a = new Uint8Array(n * 784);
      const b = new Uint8Array(n * 784);
      makeAugmenter(AUGMENT_PRESETS[name], 28, 28)(images, n, a, lcg(7));
      makeAugmenter(AUGMENT_PRESETS[name], 28, 28)(images, n, b, lcg(7));
      expect(a).toEqual(b);
      let changed = 0;
      let inkIn = 0;
      let inkOut = 0;
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== images[i]) changed++;
        inkIn += images[i];
        inkOut += a[i];
      }
      expect(changed).toBeGreaterThan(a.length * 0.05);
      expect(inkOut / inkIn).toBeGreaterThan(0.75);
      expect(inkOut / inkIn).toBeLessThan(1.35);
    }
  });

  it('stroke width: a pass of dilation makes a 1-px line 3 px wide, erosion removes it, fractions blend', () => {
    // 7×7, a vertical line of 200 in column 3
    const line = Uint8Array.from({ length: 49 }, (_, i) => (i % 7 === 3 ? 200 : 0));
    const o = new Uint8Array(49);
    const tmp = new Uint8Array(49);
    const column = (img: Uint8Array, x: number) => Array.from({ length: 7 }, (_, y) => img[y * 7 + x]);
    strokeWidth(line, o, 7, 7, 1, tmp);
    for (let x = 0; x < 7; x++) expect(column(o, x)).toEqual(Array(7).fill(x >= 2 && x <= 4 ? 200 : 0));
    strokeWidth(line, o, 7, 7, -1, tmp);
    expect(o.every((v) => v === 0)).toBe(true);
    strokeWidth(line, o, 7, 7, 0.5, tmp);
    expect(column(o, 2)).toEqual(Array(7).fill(100));
    expect(column(o, 3)).toEqual(Array(7).fill(200));
    expect(column(o, 1)).toEqual(Array(7).fill(0));
    strokeWidth(line, o, 7, 7, 1.5, tmp); // one whole pass, then half of the next
    expect(column(o, 1)).toEqual(Array(7).fill(100));
    expect(column(o, 2)).toEqual(Array(7).fill(200));
    strokeWidth(line, o, 7, 7, 0, tmp);
    expect(o).toEqual(line);
  });

  it('thickness alone changes the ink in both directions, reproducibly', () => {
    const t = loadMnist().test!;
    const n = 200;
    const images = t.images.subarray(0, n * 784);
    const a = new Uint8Array(n * 784);
    makeAugmenter({ thickness: 1 }, 28, 28)(images, n, a, lcg(3));
    let thicker = 0;
    let thinner = 0;
    for (let r = 0; r < n; r++) {
      let before = 0;
      let after = 0;
      for (let i = r * 784; i < (r + 1) * 784; i++) {
        before += images[i];
        after += a[i];
      }
      if (after > before * 1.1) thicker++;
      if (after < before * 0.9) thinner++;
    }
    expect(thicker).toBeGreaterThan(n / 4);
    expect(thinner).toBeGreaterThan(n / 4);
    expect(augmentProblem({ thickness: 5 })).toMatch(/thickness/);
  });

  it('refuses out-of-range options with a message naming them', () => {
    expect(augmentProblem({ rotation: 400 })).toMatch(/rotation/);
    expect(augmentProblem({ shift: -0.1 })).toMatch(/shift/);
    expect(augmentProblem({ elastic: { alpha: 34, sigma: 0 } })).toMatch(/sigma/);
    expect(() => makeAugmenter({ zoom: 2 }, 28, 28)).toThrow(/zoom/);
  });
});
