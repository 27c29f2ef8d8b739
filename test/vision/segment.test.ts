import { describe, expect, it } from 'vitest';
import { digitString } from '../../src/data/digit-strings.js';
import { loadMnist } from '../../src/data/index.js';
import { contextView, cropOf, cutAlongPath, lineCandidates, segment, verifierInput } from '../../src/vision/segment.js';
import { verifierExamples } from '../../src/vision/verifier-data.js';

const test = loadMnist().test!;
const gray = (s: { width: number; height: number; data: Uint8Array }) => ({
  width: s.width,
  height: s.height,
  channels: 1 as const,
  data: s.data,
});

describe('segment', () => {
  it('finds one component per separated digit, on one line, left to right', () => {
    const s = digitString(test, 42, { length: 6, touching: 0 });
    const seg = segment(gray(s));
    expect(seg.lines).toHaveLength(1);
    const atoms = seg.lines[0].filter((a) => a.cand.height >= 0.5 * seg.digitHeight);
    expect(atoms.length).toBeGreaterThanOrEqual(6);
    const xs = seg.lines[0].map((a) => a.cand.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    // Every true digit's box holds at least one component that starts inside it.
    for (const b of s.boxes) expect(atoms.some((a) => a.cand.x >= b.x - 2 && a.cand.x < b.x + b.width)).toBe(true);
  });

  it('offers a cut where two touching digits meet', () => {
    // Pairs drawn touching that came out as one component: the cut set holds a cut near where the second digit's
    // ink begins (slanted digits overlap in x, so "near" is a quarter of the digit height).
    let checked = 0;
    for (let seed = 1; seed < 200 && checked < 5; seed++) {
      const s = digitString(test, seed, { length: 2, touching: 1 });
      const seg = segment(gray(s));
      const wide = seg.lines.flat().find((a) => a.cand.width > s.boxes[0].width + 0.5 * s.boxes[1].width);
      if (!wide) continue; // the pair did not end up as one component
      checked++;
      const meet = s.boxes[1].x;
      const cutXs = wide.cuts.filter((parts) => parts.length === 2).map((parts) => parts[1].x);
      expect(Math.min(...cutXs.map((x) => Math.abs(x - meet)))).toBeLessThanOrEqual(0.25 * seg.digitHeight);
    }
    expect(checked).toBe(5);
  });

  /** Dark strokes on light paper, w×h: each [x0, y0, x1, y1, half-width] (1.6 px when not given). */
  const strokes = (w: number, h: number, segments: number[][]) => {
    const data = new Uint8Array(w * h).fill(235);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (const [ax, ay, bx, by, half = 1.6] of segments) {
          const t = Math.max(
            0,
            Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
          );
          if (Math.hypot(x - ax - t * (bx - ax), y - ay - t * (by - ay)) <= half) data[y * w + x] = 25;
        }
    return { width: w, height: h, channels: 1 as const, data };
  };

  it('cuts two slanted digits joined by a thin stroke along the gap between them, where a column slices both', () => {
    // Two 1s leaning far right, joined half-way up by a thin ligature: one component. A column between them crosses
    // the top of the left one or the foot of the right one; the path down the gap crosses only the ligature.
    const left = [20, 62, 40, 12, 2.5];
    const right = [38, 62, 58, 12, 2.5];
    const seg = segment(strokes(80, 75, [left, right, [30, 37, 48, 37, 0.6]]));
    const atoms = seg.lines.flat();
    expect(atoms).toHaveLength(1);
    const whole = atoms[0].cand;
    const inkOf = (c: typeof whole) => cropOf(seg, c).reduce((n, v) => n + (v > seg.threshold ? 1 : 0), 0);
    // Pixels of a part on each stroke (away from the ligature's row).
    const near = (x: number, y: number, [ax, ay, bx, by]: number[]) =>
      Math.abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / Math.hypot(bx - ax, by - ay) <= 3;
    const owners = (c: typeof whole) => {
      const crop = cropOf(seg, c);
      let l = 0;
      let r = 0;
      for (let y = 0; y < c.height; y++)
        for (let x = 0; x < c.width; x++)
          if (crop[y * c.width + x] > seg.threshold && Math.abs(c.y + y - 37) > 3) {
            if (near(c.x + x, c.y + y, left)) l++;
            if (near(c.x + x, c.y + y, right)) r++;
          }
      return { l, r };
    };
    const [a, b] = cutAlongPath(seg, whole, 44, 10);
    expect(a.right).toBeDefined();
    const [ao, bo] = [owners(a), owners(b)];
    expect(ao.l).toBeGreaterThan(100);
    expect(ao.r).toBe(0);
    expect(bo.r).toBeGreaterThan(100);
    expect(bo.l).toBe(0);
    // The parts share the ink out: none lost, none counted twice.
    expect(inkOf(a) + inkOf(b)).toBe(inkOf(whole));
    // A straight column there slices the right one.
    const [c, d] = cutAlongPath(seg, whole, 44, 0).map(owners);
    expect(Math.min(c.r, d.r)).toBeGreaterThan(0);
  });

  it('offers cuts of a 1 touching a 7, a pair not two thirds as wide as it is tall', () => {
    const seg = segment(
      strokes(60, 75, [
        [12, 6, 12, 66],
        [14, 6, 42, 6],
        [42, 6, 26, 66],
      ]),
    );
    const atoms = seg.lines.flat();
    expect(atoms).toHaveLength(1);
    const c = atoms[0].cand;
    expect(c.width / c.height).toBeLessThan(0.6);
    const between = atoms[0].cuts.filter((parts) => parts.length === 2 && parts[1].x >= 15 && parts[1].x <= 24);
    expect(between.length).toBeGreaterThan(0);
  });

  it('cuts a ring straight, never along its hole: a path crossing ink twice makes two halves that look whole', () => {
    const ring: number[][] = [];
    for (let k = 0; k < 48; k++) {
      const [t0, t1] = [(k / 48) * 2 * Math.PI, ((k + 1) / 48) * 2 * Math.PI];
      ring.push([40 + 14 * Math.cos(t0), 35 + 24 * Math.sin(t0), 40 + 14 * Math.cos(t1), 35 + 24 * Math.sin(t1)]);
    }
    const seg = segment(strokes(80, 72, ring));
    const c = seg.lines.flat()[0].cand;
    for (let at = c.x + 4; at < c.x + c.width - 4; at++) {
      const [l, r] = cutAlongPath(seg, c, at, 10);
      expect(l.right).toBeUndefined();
      expect(r.left).toBeUndefined();
      expect(l.x + l.width).toBe(at);
    }
  });

  it('reports nothing on a blank page', () => {
    const seg = segment({ width: 50, height: 40, channels: 1, data: new Uint8Array(2000).fill(200) });
    expect(seg.lines).toEqual([]);
    expect(lineCandidates(seg)).toEqual([]);
  });

  it('judges the digit height by the digits, not by the specks that outnumber them (a crease that broke up)', () => {
    const s = digitString(test, 7, { length: 4, touching: 0 });
    // The number on top, and below it 80 specks of 2×2 px along a diagonal, as many as a crease left.
    const [w, h] = [Math.max(s.width, 400), s.height + 200];
    const paper = s.darkOnLight ? 255 : 0;
    const data = new Uint8Array(w * h).fill(paper);
    for (let y = 0; y < s.height; y++) data.set(s.data.subarray(y * s.width, (y + 1) * s.width), y * w);
    const inkLevel = s.darkOnLight ? Math.min(...s.data) : Math.max(...s.data);
    for (let k = 0; k < 80; k++) {
      const [x, y] = [10 + k * 4, s.height + 20 + k * 2];
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ])
        data[(y + dy) * w + x + dx] = inkLevel;
    }
    const seg = segment({ width: w, height: h, channels: 1, data });
    const tallest = Math.max(...s.boxes.map((b) => b.height));
    expect(seg.digitHeight).toBeGreaterThanOrEqual(0.7 * tallest);
    expect(seg.digitHeight).toBeLessThanOrEqual(1.3 * tallest);
    // The specks are below a quarter of a digit: none is a candidate.
    expect(seg.lines.flat().every((a) => a.cand.y < s.height)).toBe(true);
  });

  it('shows a candidate at the line scale: a digit of typical height spans about 20 rows, centred', () => {
    const s = digitString(test, 7, { length: 4, touching: 0 });
    const seg = segment(gray(s));
    const tallest = seg.lines[0].reduce((a, b) => (b.cand.height > a.cand.height ? b : a)).cand;
    const view = contextView(seg, tallest);
    const rows = [...Array(28).keys()].filter((y) => view.subarray(y * 28, y * 28 + 28).some((v) => v > 0));
    expect(rows.length).toBeGreaterThanOrEqual(18);
    expect(rows.length).toBeLessThanOrEqual(22);
    expect(Math.abs((rows[0] + rows[rows.length - 1]) / 2 - 13.5)).toBeLessThanOrEqual(1.5);
    // The verifier's input puts the digit view left and this view right.
    const both = verifierInput(new Uint8Array(784).fill(1), view);
    expect(both.length).toBe(28 * 56);
    expect(both[0]).toBe(1);
    expect(Array.from(both.subarray(56 * 10 + 28, 56 * 10 + 56))).toEqual(Array.from(view.subarray(280, 308)));
  });
});

describe('verifier examples', () => {
  it('label each separated digit whole and every join of neighbours not whole', () => {
    const s = digitString(test, 11, { length: 5, touching: 0, owners: true });
    const seg = segment(gray(s));
    const e = verifierExamples(seg, s.owners!);
    expect(e.inputs).toHaveLength(e.labels.length);
    expect(e.candidates).toHaveLength(e.labels.length);
    for (const [i, c] of e.candidates.entries()) {
      const inside = s.boxes.filter((b) => c.x < b.x + b.width && c.x + c.width > b.x).length;
      // A join of two full digits covers two true boxes: never whole.
      if (c.ids.length >= 2 && inside >= 2 && c.height >= 0.8 * seg.digitHeight) expect(e.labels[i]).toBe(0);
    }
    // Each true digit is shown whole at least once, as one candidate labelled 1 that lies within its box.
    for (const b of s.boxes)
      expect(
        e.candidates.some(
          (c, i) =>
            e.labels[i] === 1 && c.x >= b.x - 3 && c.x + c.width <= b.x + b.width + 3 && c.height >= 0.8 * b.height,
        ),
      ).toBe(true);
  });

  it("the generator's owner map marks each digit's ink with its index", () => {
    const s = digitString(test, 5, { length: 4, touching: 0, owners: true });
    const owners = s.owners!;
    expect(owners).toHaveLength(s.width * s.height);
    s.boxes.forEach((b, k) => {
      const counts = new Map<number, number>();
      for (let y = b.y; y < b.y + b.height; y++)
        for (let x = b.x; x < b.x + b.width; x++)
          counts.set(owners[y * s.width + x], (counts.get(owners[y * s.width + x]) ?? 0) + 1);
      const inked = [...counts].filter(([o]) => o > 0).sort((p, q) => q[1] - p[1]);
      expect(inked[0][0]).toBe(k + 1);
    });
    // The same seed without owners draws the same image.
    expect(digitString(test, 5, { length: 4, touching: 0 }).data).toEqual(s.data);
  });
});
