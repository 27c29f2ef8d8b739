import { describe, expect, it } from 'vitest';
import { hysteresisInk, localBackground } from '../../src/vision/hysteresis.js';

/** An ink image (ink bright on dark): background `bg(x, y)`, with rectangles of ink at the given levels. */
function inkPage(w: number, h: number, bg: (x: number, y: number) => number, rects: number[][]): Uint8Array {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = Math.round(bg(x, y));
  for (const [x0, y0, rw, rh, level] of rects)
    for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) data[y * w + x] = level;
  return data;
}

describe('localBackground', () => {
  it('follows a lighting gradient and ignores strokes on it', () => {
    const w = 320;
    const h = 160;
    const ramp = (x: number) => 20 + (60 * x) / w;
    // Vertical strokes 6 px wide every 40 px: ink covers 15 % of every block.
    const strokes = Array.from({ length: 8 }, (_, k) => [k * 40 + 17, 20, 6, 120, 250]);
    const { perPixel, typical } = localBackground(inkPage(w, h, ramp, strokes), w, h);
    // Medians of whole 32 px blocks, the lowest of 3×3 neighbours, held flat beyond the outer block centres: the
    // estimate is off the ramp by at most about one and a half blocks' rise (48 px, 9 levels), and never
    // follows the strokes (250).
    for (let y = 0; y < h; y += 13)
      for (let x = 0; x < w; x += 7) expect(Math.abs(perPixel[y * w + x] - ramp(x))).toBeLessThanOrEqual(10);
    expect(typical).toBeGreaterThan(35);
    expect(typical).toBeLessThan(65);
  });

  it('is the level itself on a flat image, however small', () => {
    for (const [w, h] of [
      [5, 3],
      [28, 28],
      [100, 40],
    ]) {
      const { perPixel, typical } = localBackground(new Uint8Array(w * h).fill(37), w, h);
      expect(typical).toBe(37);
      expect(perPixel.every((v) => Math.abs(v - 37) < 1e-4)).toBe(true);
    }
  });
});

describe('hysteresisInk', () => {
  const w = 200;
  const h = 100;
  // Strong ink 200 on background 20; faint ink 80 (below Otsu's threshold between 20 and 200, above 40 % of
  // the way to it).
  const strongBar = [20, 20, 8, 60, 200];
  const faintTail = [28, 74, 40, 6, 80]; // touches the strong bar's foot
  const faintAlone = [120, 30, 30, 6, 80]; // touches nothing strong
  const strongDot = [160, 40, 10, 10, 200];

  it('keeps faint ink joined to strong ink and drops faint ink alone', () => {
    const data = inkPage(w, h, () => 20, [strongBar, faintTail, faintAlone, strongDot]);
    const r = hysteresisInk(data, w, h);
    expect(r.components.map((c) => [c.x, c.y, c.width, c.height])).toEqual([
      [20, 20, 48, 60], // the bar with its faint tail, one component
      [160, 40, 10, 10],
    ]);
    // Labels agree with the components: ids 1..n in order, each pixel count right, nothing else labelled.
    expect(r.components.map((c) => c.id)).toEqual([1, 2]);
    const counts = [0, 0, 0];
    for (const id of r.labels) counts[id]++;
    expect(counts.slice(1)).toEqual([8 * 60 + 40 * 6, 100]);
    expect(r.components.map((c) => c.pixels)).toEqual(counts.slice(1));
    // The faint tail is above the low threshold and the background below it.
    expect(r.low).toBeGreaterThan(20);
    expect(r.low).toBeLessThan(80);
  });

  it('reads the same ink on a lighting gradient as on flat paper', () => {
    const flat = hysteresisInk(
      inkPage(w, h, () => 20, [strongBar, faintTail, faintAlone, strongDot]),
      w,
      h,
    );
    // The page brightens by 80 levels from left to right; ink is drawn over the background, as on paper. The
    // faint tail on the left is then darker than the bare page on the right: no single threshold separates them.
    const ramp = (x: number) => 20 + (80 * x) / w;
    const data = inkPage(w, h, ramp, []);
    for (const [x0, y0, rw, rh, level] of [strongBar, faintTail, faintAlone, strongDot])
      for (let y = y0; y < y0 + rh; y++)
        for (let x = x0; x < x0 + rw; x++) data[y * w + x] = Math.min(255, Math.round(ramp(x) + level - 20));
    expect(data[75 * w + 30]).toBeLessThan(data[5 * w + w - 3]);
    const lit = hysteresisInk(data, w, h);
    expect(lit.components.map((c) => [c.x, c.y, c.width, c.height])).toEqual(
      flat.components.map((c) => [c.x, c.y, c.width, c.height]),
    );
    // Levelled: background pixels at the two ends, 80 levels apart, come out within 26 of each other (the lowest
    // of 3×3 blocks lags a ramp this steep by about a block).
    expect(Math.abs(lit.data[5 * w + 2] - lit.data[5 * w + w - 3])).toBeLessThanOrEqual(26);
  });
});

describe('hysteresisInk on a bold digit cropped close', () => {
  it('finds ink covering a third of the picture (its upper quartile is ink, not texture)', () => {
    // A bold 0 (ring 10 px thick) in a 64×76 picture, soft-edged, on clean paper: 34 % of the pixels are ink.
    const [w, h] = [64, 76];
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const r = Math.hypot((x - 32) / 20, (y - 38) / 26);
        const d = Math.min(Math.abs(r - 0.8) * 24, 8); // distance from the ring's middle, in px (roughly)
        data[y * w + x] = d < 5 ? 255 : d < 7 ? Math.round((255 * (7 - d)) / 2) : 0;
      }
    const ink = data.filter((v) => v > 128).length / data.length;
    expect(ink).toBeGreaterThan(0.25);
    const r = hysteresisInk(data, w, h);
    expect(r.low).toBeLessThan(128);
    expect(r.components).toHaveLength(1);
    expect(r.components[0].pixels).toBeGreaterThanOrEqual(0.95 * data.filter((v) => v > 128).length);
  });
});

describe('hysteresisInk on a large photo', () => {
  it('keeps a stroke wider than a few blocks solid (blocks grow with the image)', () => {
    // A 2400×900 photo of a thick pen stroke: a bar 150 px wide and 600 tall.
    const w = 2400;
    const h = 900;
    const data = inkPage(w, h, () => 30, [[1000, 150, 150, 600, 220]]);
    const r = hysteresisInk(data, w, h);
    expect(r.components).toHaveLength(1);
    expect(r.components[0].pixels).toBe(150 * 600);
  });
});

describe('hysteresisInk where the ink is a quarter of the picture', () => {
  it('finds broad strokes whose soft edges hold the upper quartile (the high threshold was above the ink)', () => {
    // 12 bars of level 185, each with a 1-px edge at 35: 22.5 % of the pixels are ink, 5.9 % edge, so the upper
    // quartile lies on the edges and a "texture" of 33 put the high threshold at 200 (as in a number drawn large
    // with a broad pen: read as nothing).
    const [w, h] = [240, 120];
    const rects: number[][] = [];
    for (let k = 0; k < 12; k++) rects.push([4 + 20 * k, 29, 11, 62, 35], [5 + 20 * k, 30, 9, 60, 185]);
    const data = inkPage(w, h, () => 2, rects);
    const r = hysteresisInk(data, w, h);
    expect(r.components).toHaveLength(12);
    expect(r.components.every((c) => c.pixels >= 540)).toBe(true);
  });

  it('still finds nothing in a blank textured sheet (Otsu splits its texture, but its upper half is no ink)', () => {
    const [w, h] = [240, 120];
    let seed = 7;
    const uniform = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    // Roughly normal texture: the sum of four uniforms, σ ≈ 8 levels around 40.
    const data = inkPage(w, h, () => 40 + 14 * (uniform() + uniform() + uniform() + uniform() - 2), []);
    const r = hysteresisInk(data, w, h);
    const pixels = r.components.reduce((n, c) => n + c.pixels, 0);
    expect(pixels).toBeLessThan(0.001 * w * h);
  });
});
