import { describe, expect, it } from 'vitest';
import { connectedComponents } from '../../src/vision/components.js';
import { removeStraightLines } from '../../src/vision/straight-lines.js';

/** Ink of one level everywhere: strokes and lines alike. */
const inkOf = (mask: Uint8Array) => Uint8Array.from(mask, (m) => m * 60);

describe('long straight lines at any angle', () => {
  it('a diagonal crease crossing a ring (a 0 among other digits) is taken out; the ring stays, cut where it crossed', () => {
    const [w, h] = [300, 200];
    const mask = new Uint8Array(w * h);
    const onCrease = (x: number, y: number) => Math.abs(y - (10 + 0.6 * x)) < 2;
    const onRing = (x: number, y: number) => Math.abs(Math.hypot(x - 150, y - 100) - 20) < 2.5;
    const others = (x: number, y: number) =>
      [
        [60, 150],
        [250, 60],
      ].some(([cx, cy]) => Math.abs(Math.hypot(x - cx, y - cy) - 20) < 2.5);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if (onCrease(x, y) || onRing(x, y) || others(x, y)) mask[y * w + x] = 1;
    const found = connectedComponents(mask, w, h);
    expect(found.components).toHaveLength(3); // crease and ring are one component
    const { labels, components } = removeStraightLines(found.labels, found.components, inkOf(mask), w, h);
    let ring = 0;
    let ringKept = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (onCrease(x, y)) expect(labels[i]).toBe(0);
        else if (onRing(x, y)) {
          ring++;
          if (labels[i] > 0) ringKept++;
        }
      }
    expect(ringKept / ring).toBeGreaterThan(0.85);
    expect(components.length).toBeGreaterThanOrEqual(4); // the ring, cut where the crease ran, and the others
    expect(Math.max(...components.map((c) => c.height))).toBeLessThanOrEqual(45);
  });

  it('digits, however tall in their picture, are not lines', () => {
    const [w, h] = [120, 100];
    const mask = new Uint8Array(w * h);
    for (let y = 5; y < 95; y++) for (let x = 58; x < 62; x++) mask[y * w + x] = 1; // a 1 the picture's height
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if (Math.abs(Math.hypot(x - 30, y - 50) - 25) < 3) mask[y * w + x] = 1;
    const found = connectedComponents(mask, w, h);
    const before = found.labels.slice();
    const after = removeStraightLines(found.labels, found.components, inkOf(mask), w, h);
    expect(after.labels).toEqual(before);
    expect(after.components).toBe(found.components);
    const lone = new Uint8Array(w * h);
    for (let y = 5; y < 95; y++) for (let x = 88; x < 92; x++) lone[y * w + x] = 1;
    const one = connectedComponents(lone, w, h);
    expect(removeStraightLines(one.labels, one.components, inkOf(lone), w, h).components).toEqual(one.components);
  });

  it('a 1 written with a 1-px pen, as tall as the other digits filling a small picture, is not a line', () => {
    // A 1, a 0 and a 5's loose flag in 370×160: the 1 and the 0 are longer than half the picture's side, and the
    // digits' height was taken from the flag alone (3 px), so the 1 was a line 2.5 digits long.
    const [w, h] = [370, 160];
    const mask = new Uint8Array(w * h);
    const onOne = (x: number, y: number) => y >= 36 && y < 124 && Math.abs(x - (60 + 0.15 * (124 - y))) < 0.8;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const ring = Math.abs(Math.hypot((x - 160) / 0.6, y - 80) - 44) < 1.2;
        const flag = y === 40 && x >= 250 && x < 292;
        if (onOne(x, y) || ring || flag) mask[y * w + x] = 1;
      }
    const found = connectedComponents(mask, w, h);
    expect(found.components).toHaveLength(3);
    const after = removeStraightLines(found.labels, found.components, inkOf(mask), w, h);
    expect(after.components).toBe(found.components);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if (onOne(x, y)) expect(after.labels[y * w + x]).toBeGreaterThan(0);
  });

  it('a squared page whose grid is one component of 200,000 pixels is measured without overflowing the stack', () => {
    const [w, h] = [1600, 1200];
    const mask = new Uint8Array(w * h);
    // 2-px lines every 20 px, both ways, over the left three quarters: one connected grid; right of it, three
    // rings (digits).
    const ring = (x: number, y: number, cy: number) => Math.abs(Math.hypot(x - 1400, y - cy) - 30) < 3;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        if ((x < 1200 && (x % 20 < 2 || y % 20 < 2)) || [300, 600, 900].some((cy) => ring(x, y, cy)))
          mask[y * w + x] = 1;
    const found = connectedComponents(mask, w, h);
    expect(found.components).toHaveLength(4);
    expect(Math.max(...found.components.map((c) => c.pixels))).toBeGreaterThan(200_000);
    // The grid is no thin line: it stays.
    const { components } = removeStraightLines(found.labels, found.components, inkOf(mask), w, h);
    expect(components.reduce((sum, c) => sum + c.pixels, 0)).toBeGreaterThan(200_000);
  });

  it('a thin crease through four thick digits, with a fifth of their ink, is still found and taken out', () => {
    const [w, h] = [600, 300];
    const mask = new Uint8Array(w * h);
    const onCrease = (x: number, y: number) => Math.abs(y - (120 + 0.15 * x)) < 1.5;
    const centres = [120, 240, 360, 480];
    const onDigit = (x: number, y: number) => centres.some((cx) => Math.abs(Math.hypot(x - cx, y - 170) - 45) < 10);
    // A lone digit elsewhere sets the digit height.
    const onLone = (x: number, y: number) => Math.abs(Math.hypot(x - 40, y - 60) - 25) < 4;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if (onCrease(x, y) || onDigit(x, y) || onLone(x, y)) mask[y * w + x] = 1;
    const found = connectedComponents(mask, w, h);
    expect(found.components).toHaveLength(2);
    const { labels, components } = removeStraightLines(found.labels, found.components, inkOf(mask), w, h);
    // The crease's pixels away from the digits are gone; the four digits are apart again (each cut where it crossed).
    for (let x = 0; x < w; x += 7) {
      const y = Math.round(120 + 0.15 * x);
      if (!onDigit(x, y)) expect(labels[y * w + x]).toBe(0);
    }
    expect(components.every((c) => c.width <= 112)).toBe(true);
    expect(components.reduce((sum, c) => sum + c.pixels, 0)).toBeGreaterThan(0.9 * 4 * Math.PI * 90 * 20);
  });

  it('a stroke running along a crease keeps its ink where it lies on the crease, its ink being above the crease', () => {
    // A faint crease (ink 30–40) with a 6's left side running along it for 60 px (a pen's 120 over it) and a ring
    // crossing it; two other rings set the digit height.
    const [w, h] = [400, 300];
    const mask = new Uint8Array(w * h);
    const ink = new Uint8Array(w * h);
    const onCrease = (x: number, y: number) => Math.abs(x - (100 + 0.1 * y)) < 2.5;
    const onStroke = (x: number, y: number) => y >= 120 && y < 180 && Math.abs(x - (100 + 0.1 * y)) < 1.5;
    const onRing = (x: number, y: number, cx: number) => Math.abs(Math.hypot(x - cx, y - 150) - 28) < 1.5;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (onCrease(x, y)) [mask[i], ink[i]] = [1, 30 + ((x * 7 + y * 13) % 11)];
        if (onStroke(x, y) || [115, 250, 330].some((cx) => onRing(x, y, cx))) [mask[i], ink[i]] = [1, 120 + ink[i]];
      }
    const found = connectedComponents(mask, w, h);
    const { labels } = removeStraightLines(found.labels, found.components, ink, w, h);
    let crease = 0;
    let creaseKept = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (onStroke(x, y) || onRing(x, y, 115)) expect(labels[i]).toBeGreaterThan(0);
        else if (onCrease(x, y)) {
          crease++;
          if (labels[i]) creaseKept++;
        }
      }
    expect(creaseKept).toBe(0);
    expect(crease).toBeGreaterThan(1000);
    // With the stroke no darker than the crease, it goes with it (what the line's median cannot tell apart).
    const again = connectedComponents(mask, w, h);
    const flat = removeStraightLines(again.labels, again.components, inkOf(mask), w, h);
    let strokeKept = 0;
    for (let y = 120; y < 180; y++)
      for (let x = 0; x < w; x++) if (onStroke(x, y) && flat.labels[y * w + x]) strokeKept++;
    expect(strokeKept).toBe(0);
  });
});
