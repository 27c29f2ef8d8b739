import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { homography, penDigit, scene, SCENE_KINDS, thin } from '../../src/data/scenes.js';

describe('scenes: photos of written numbers', () => {
  it('thinning leaves a one-pixel centre line of a thick bar, and a ring stays a ring', () => {
    const [w, h] = [30, 12];
    const bar = new Uint8Array(w * h);
    for (let y = 3; y < 8; y++) for (let x = 3; x < 27; x++) bar[y * w + x] = 1;
    thin(bar, w, h);
    const rows = new Set<number>();
    let count = 0;
    for (let i = 0; i < bar.length; i++)
      if (bar[i]) {
        rows.add(Math.floor(i / w));
        count++;
      }
    expect([...rows]).toEqual([5]); // the middle row
    expect(count).toBeGreaterThanOrEqual(18);
    const n = 21;
    const ring = new Uint8Array(n * n);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const r = Math.hypot(x - 10, y - 10);
        ring[y * n + x] = r >= 5 && r <= 8 ? 1 : 0;
      }
    thin(ring, n, n);
    expect(ring[10 * n + 10]).toBe(0);
    // Every centre-line pixel has two neighbours on the line: a closed curve.
    for (let y = 1; y < n - 1; y++)
      for (let x = 1; x < n - 1; x++) {
        if (!ring[y * n + x]) continue;
        let near = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) if (dx || dy) near += ring[(y + dy) * n + x + dx];
        expect(near).toBeGreaterThanOrEqual(2);
      }
  });

  /** Holes bigger than `size` px in a redrawn digit: paper enclosed by ink (4-connected, not reaching the border). */
  const loops = (d: { width: number; height: number; data: Uint8Array }, size = 40) => {
    const paper = Uint8Array.from(d.data, (v) => (v > 128 ? 1 : 0));
    const seen = new Uint8Array(paper.length);
    let enclosed = 0;
    for (let start = 0; start < paper.length; start++) {
      if (!paper[start] || seen[start]) continue;
      const stack = [start];
      seen[start] = 1;
      let area = 0;
      let border = false;
      while (stack.length) {
        const i = stack.pop()!;
        const [x, y] = [i % d.width, Math.floor(i / d.width)];
        area++;
        if (x === 0 || y === 0 || x === d.width - 1 || y === d.height - 1) border = true;
        for (const j of [x > 0 ? i - 1 : -1, x < d.width - 1 ? i + 1 : -1, i - d.width, i + d.width])
          if (j >= 0 && j < paper.length && paper[j] && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
      }
      if (!border && area > size) enclosed++;
    }
    return enclosed;
  };
  /** A 28×28 MNIST-like picture of the pixels `inked` says. */
  const digit = (label: number, inked: (x: number, y: number) => boolean) => {
    const images = new Uint8Array(784);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) if (inked(x, y)) images[y * 28 + x] = 255;
    return { images, labels: new Uint8Array([label]), count: 1, height: 28, width: 28 };
  };

  it('a loop a fat pen filled shut is redrawn as a loop (a 9 with a solid head is not a 1)', () => {
    // A 9: a solid disc for the head, a 3-px stem down its right side.
    const head = (x: number, y: number) => Math.hypot(x - 13, y - 9) <= 6;
    const stem = (x: number, y: number) => x >= 17 && x <= 19 && y >= 9 && y <= 25;
    const solid = digit(9, (x, y) => head(x, y) || stem(x, y));
    expect(loops(penDigit(solid, 0, 100, 3))).toBe(1);
    // MNIST test 9s whose fat pen filled the head but for a pinhole: still a loop the pen does not fill, not a
    // knot at the top of a 1.
    const test = loadMnist().test!;
    for (const index of [4325, 4735, 6895]) {
      expect(test.labels![index]).toBe(9);
      for (const pen of [2, 5]) expect(loops(penDigit(test, index, 110, pen))).toBe(1);
    }
  });

  it('a thin pen draws a stroke as one line, with no knots where its centre line steps', () => {
    // MNIST test 7s and 1s: their centre lines are staircases, whose every step the pen drew as a small loop (3–8
    // enclosed specks of paper each, and 4–16 in each digit of a 1-px photo) when all 8 neighbours were linked.
    const test = loadMnist().test!;
    for (const index of [0, 2, 5, 17])
      for (const [height, pen] of [
        [150, 1],
        [200, 1.5],
      ])
        expect(loops(penDigit(test, index, height, pen), 0)).toBe(0);
  });

  it("a fat digit's centre line follows its strokes' bright cores, not the blur that fills the notch between them", () => {
    // A "U" of bright 2-px strokes whose inside MNIST's blur filled with middling gray (above the stroke mask's
    // level, so the mask is a solid block). Thinned as one flat shape it became a short bar in the block's middle;
    // peeled faint-first, it is the U again: paper between the arms, down to the bottom bar.
    const images = new Uint8Array(784);
    for (let y = 4; y <= 23; y++)
      for (let x = 6; x <= 21; x++) images[y * 28 + x] = x <= 7 || x >= 20 || y >= 22 ? 255 : 140;
    const u = { images, labels: new Uint8Array([0]), count: 1, height: 28, width: 28 };
    for (const pen of [2, 5]) {
      const d = penDigit(u, 0, 100, pen);
      const ink = (x: number, y: number) => d.data[y * d.width + x] < 128;
      const middle = Math.round(d.width / 2);
      // The arms reach from top to bottom at both sides; the middle is paper but for the bottom bar.
      expect(d.width).toBeGreaterThan(60);
      for (const y of [10, 50]) {
        expect(ink(Math.round(pen / 2), y)).toBe(true);
        expect(ink(d.width - 1 - Math.round(pen / 2), y)).toBe(true);
      }
      for (let y = 0; y < d.height - pen - 6; y++) expect(ink(middle, y)).toBe(false);
      expect(ink(middle, d.height - 1 - Math.round(pen / 2))).toBe(true);
    }
  });

  it('an upright 1 cropped to its strokes keeps paper on both sides', () => {
    const one = digit(1, (x, y) => x >= 13 && x <= 15 && y >= 4 && y <= 23);
    for (const pen of [1, 4]) {
      const d = penDigit(one, 0, 60, pen);
      expect(d.width).toBe(pen + 2);
      for (let y = 0; y < d.height; y++) {
        expect(d.data[y * d.width]).toBeGreaterThan(200);
        expect(d.data[y * d.width + d.width - 1]).toBeGreaterThan(200);
      }
      expect(d.data[30 * d.width + 1]).toBeLessThan(60);
    }
  });

  it('the homography takes the four corners where asked', () => {
    const from: [number, number][] = [
      [0, 0],
      [100, 0],
      [100, 50],
      [0, 50],
    ];
    const to: [number, number][] = [
      [5, 3],
      [90, 8],
      [97, 49],
      [2, 44],
    ];
    const m = homography(from, to);
    for (let k = 0; k < 4; k++) {
      const [x, y] = from[k];
      const z = m[6] * x + m[7] * y + 1;
      expect((m[0] * x + m[1] * y + m[2]) / z).toBeCloseTo(to[k][0], 9);
      expect((m[3] * x + m[4] * y + m[5]) / z).toBeCloseTo(to[k][1], 9);
    }
  });

  it('a seed gives one scene; the text is the digits drawn; ink darker than the paper where they are', () => {
    const test = loadMnist().test!;
    for (const kind of SCENE_KINDS) {
      const a = scene(test, 3, kind, { width: 500, height: 360 });
      const b = scene(test, 3, kind, { width: 500, height: 360 });
      const same = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y));
      expect(same(a.data, b.data)).toBe(true);
      expect([a.width, a.height, a.channels]).toEqual([500, 360, 3]);
      expect(a.text).toMatch(/^\d{3,7}$/);
      expect(a.pen).toBeGreaterThanOrEqual(1);
      expect(a.pen).toBeLessThanOrEqual(8);
      expect(same(scene(test, 4, kind, { width: 500, height: 360 }).data, a.data)).toBe(false);
    }
    const plain = scene(test, 5, 'plain', { width: 500, height: 360, pen: [4, 4] });
    const luma = (i: number) =>
      0.299 * plain.data[i * 3] + 0.587 * plain.data[i * 3 + 1] + 0.114 * plain.data[i * 3 + 2];
    const levels = Array.from({ length: 500 * 360 }, (_, i) => luma(i)).sort((x, y) => x - y);
    expect(levels[levels.length >> 1] - levels[Math.floor(levels.length * 0.002)]).toBeGreaterThan(60);
  });
});
