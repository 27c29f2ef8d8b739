import { describe, expect, it } from 'vitest';
import { DIGIT_STYLES, drawnString } from '../../src/data/drawn-digits.js';

describe('drawn digits', () => {
  it('every digit has styles; a string is seeded, says its styles and boxes, and owners mark each digit', () => {
    for (let d = 0; d <= 9; d++) expect(Object.keys(DIGIT_STYLES[d]).length).toBeGreaterThan(0);
    const s = drawnString(5, { text: '31415', owners: true, kind: 'plain', pen: [3, 3] });
    expect(drawnString(5, { text: '31415', owners: true, kind: 'plain', pen: [3, 3] }).data).toEqual(s.data);
    expect(drawnString(6, { text: '31415', kind: 'plain', pen: [3, 3] }).data).not.toEqual(s.data);
    expect(s.text).toBe('31415');
    expect(s.styles.map((x) => x.split('/')[0]).join('')).toBe('31415');
    expect(s.boxes).toHaveLength(5);
    // Boxes go left to right, and the ink inside each is mostly its own digit's.
    for (let k = 1; k < 5; k++) expect(s.boxes[k].x).toBeGreaterThan(s.boxes[k - 1].x);
    s.boxes.forEach((b, k) => {
      const counts = new Map<number, number>();
      for (let y = b.y; y < b.y + b.height; y++)
        for (let x = b.x; x < b.x + b.width; x++) {
          const o = s.owners![y * s.width + x];
          if (o) counts.set(o, (counts.get(o) ?? 0) + 1);
        }
      const top = [...counts].sort((p, q) => q[1] - p[1])[0];
      expect(top[0]).toBe(k + 1);
    });
  });

  it('draws at the pen width asked: an upright 1 is about pen px wide', () => {
    for (const pen of [1, 4, 8]) {
      const s = drawnString(9, {
        text: '1',
        styles: { 1: ['stroke'] },
        kind: 'plain',
        pen: [pen, pen],
        height: [80, 80],
      });
      // Ink across the middle row: the stroke's width (it may lean, not curve).
      const y = Math.round(s.boxes[0].y + s.boxes[0].height / 2);
      const row = Array.from(s.data.subarray(y * s.width, (y + 1) * s.width));
      const paper = [...row].sort((a, b) => a - b)[row.length >> 1];
      const full = paper - Math.min(...row);
      // Coverage summed across the row (pixels clearly darker than the paper, as a share of the darkest).
      const ink = row.reduce((sum, v) => sum + (paper - v > 20 ? (paper - v) / full : 0), 0);
      expect(ink).toBeGreaterThan(pen * 0.6);
      expect(ink).toBeLessThan(pen * 1.9 + 1);
    }
  });

  it('a hollow stroke is an outline: its middle is paper', () => {
    const s = drawnString(3, { text: '1', styles: { 1: ['stroke'] }, kind: 'hollow', pen: [8, 8], height: [80, 80] });
    const y = Math.round(s.boxes[0].y + s.boxes[0].height / 2);
    const row = Array.from(s.data.subarray(y * s.width, (y + 1) * s.width));
    const darkest = Math.min(...row);
    const left = row.indexOf(darkest);
    // Two dark edges with lighter paper between them.
    const edges = row.map((v, x) => (v < (darkest + 200) / 2 ? x : -1)).filter((x) => x >= 0);
    const gaps = edges.slice(1).filter((x, i) => x - edges[i] > 1);
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    expect(left).toBeGreaterThanOrEqual(0);
  });
});
