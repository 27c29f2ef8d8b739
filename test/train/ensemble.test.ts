import { describe, expect, it } from 'vitest';
import { accuracyOf, combinePredictions, memberAgreement } from '../../src/train/ensemble.js';
import type { Predictions } from '../../src/train/evaluate.js';

/** Predictions over 3 classes from rows of probabilities. */
function member(rows: number[][]): Predictions {
  const probabilities = Float32Array.from(rows.flat());
  const labels = Uint8Array.from(rows.map((r) => r.indexOf(Math.max(...r))));
  return { probabilities, labels, classes: 3 };
}

describe('combinePredictions', () => {
  // Image 0: two confident-ish votes for 1 against one very confident 2 → vote says 1, average says 2.
  // Image 1: a three-way tie of votes → the class with the highest mean probability (0).
  const a = member([
    [0.1, 0.5, 0.4],
    [0.7, 0.2, 0.1],
  ]);
  const b = member([
    [0.1, 0.5, 0.4],
    [0.3, 0.4, 0.3],
  ]);
  const c = member([
    [0.0, 0.0, 1.0],
    [0.3, 0.2, 0.5],
  ]);

  it('majority vote, ties broken by the mean probability', () => {
    const v = combinePredictions([a, b, c], 'vote');
    expect(Array.from(v.labels)).toEqual([1, 0]);
    expect(v.probabilities[2]).toBeCloseTo(0.6, 6); // (0.4 + 0.4 + 1) / 3
  });

  it('average: argmax of the mean probabilities', () => {
    expect(Array.from(combinePredictions([a, b, c], 'average').labels)).toEqual([2, 0]);
  });

  it('refuses members of different shapes', () => {
    const d: Predictions = { probabilities: new Float32Array(4), labels: new Uint8Array(2), classes: 2 };
    expect(() => combinePredictions([a, d], 'vote')).toThrow(/disagree/);
    expect(() => combinePredictions([], 'vote')).toThrow(/at least one/);
  });

  it('accuracyOf counts matches', () => {
    expect(accuracyOf([1, 2, 3, 4], [1, 0, 3, 0])).toBe(0.5);
  });

  it('memberAgreement counts how many members miss each image and how often pairs disagree', () => {
    // Labels: a = [1, 0], b = [1, 1], c = [2, 2]; truth [1, 2]: image 0 missed by c only, image 1 by a and b.
    const g = memberAgreement([a, b, c], [1, 2]);
    expect(g.missedBy).toEqual([0, 1, 1, 0]);
    expect(g.oracleAccuracy).toBe(1);
    expect(g.disagreement).toEqual([
      [0, 0.5, 1],
      [0.5, 0, 1],
      [1, 1, 0],
    ]);
    // Truth [0, 1]: image 0 missed by all three (no vote can fix it), image 1 by a and c.
    const h = memberAgreement([a, b, c], [0, 1]);
    expect(h.missedBy).toEqual([0, 0, 1, 1]);
    expect(h.oracleAccuracy).toBe(0.5);
    expect(combinePredictions([a, b, c], 'vote').labels[0]).not.toBe(0);
    expect(() => memberAgreement([a], [1, 2, 0])).toThrow(/3 images/);
  });
});
