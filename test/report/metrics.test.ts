import { describe, expect, it } from 'vitest';
import {
  argmaxRows,
  calibration,
  classMetrics,
  confusionMatrix,
  macroAverage,
  misreadings,
  mostConfusedPairs,
} from '../../src/report/metrics.js';
import { pickRandom } from '../../src/report/grid.js';

describe('confusion matrix and per-class metrics', () => {
  // actual:    0 0 1 1 1 2
  // predicted: 0 1 1 1 0 0
  const actual = Uint8Array.from([0, 0, 1, 1, 1, 2]);
  const predicted = Uint8Array.from([0, 1, 1, 1, 0, 0]);
  const m = confusionMatrix(actual, predicted, 3);

  it('counts rows by actual class and columns by prediction', () => {
    expect(m).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [1, 0, 0],
    ]);
  });

  it('precision, recall and F1 match hand-computed values; an unpredicted class scores 0', () => {
    const c = classMetrics(m);
    // class 0: tp 1, predicted 3, support 2 → P 1/3, R 1/2, F1 2·(1/6)/(5/6) = 0.4
    expect(c[0].precision).toBeCloseTo(1 / 3, 12);
    expect(c[0].recall).toBeCloseTo(1 / 2, 12);
    expect(c[0].f1).toBeCloseTo(0.4, 12);
    // class 1: tp 2, predicted 3, support 3 → P = R = F1 = 2/3
    expect(c[1].precision).toBeCloseTo(2 / 3, 12);
    expect(c[1].recall).toBeCloseTo(2 / 3, 12);
    expect(c[1].f1).toBeCloseTo(2 / 3, 12);
    expect(c[2]).toEqual({ class: 2, precision: 0, recall: 0, f1: 0, support: 1 });
    const macro = macroAverage(c);
    expect(macro.precision).toBeCloseTo((1 / 3 + 2 / 3 + 0) / 3, 12);
    expect(macro.f1).toBeCloseTo((0.4 + 2 / 3) / 3, 12);
  });

  it('most confused pairs: largest off-diagonal cells first, ties by actual then predicted', () => {
    expect(mostConfusedPairs(m, 2)).toEqual([
      { actual: 0, predicted: 1, count: 1 },
      { actual: 1, predicted: 0, count: 1 },
    ]);
    expect(
      mostConfusedPairs([
        [5, 0],
        [3, 9],
      ]),
    ).toEqual([{ actual: 1, predicted: 0, count: 3 }]);
    expect(
      mostConfusedPairs([
        [5, 0],
        [0, 9],
      ]),
    ).toEqual([]);
  });

  it('refuses labels and predictions of different lengths', () => {
    expect(() => confusionMatrix(actual, predicted.subarray(1), 3)).toThrow(RangeError);
  });
});

describe('calibration', () => {
  it('bins top-class confidence and computes the expected calibration error by hand', () => {
    // Four images, two classes. Top probabilities 0.95 (right), 0.95 (wrong), 0.55 (right), 0.65 (wrong).
    const probabilities = Float32Array.from([0.95, 0.05, 0.95, 0.05, 0.45, 0.55, 0.35, 0.65]);
    const labels = Uint8Array.from([0, 1, 1, 0]);
    const c = calibration({ probabilities, classes: 2 }, labels, 10);
    const bin = (lower: number) => c.bins.find((b) => Math.abs(b.lower - lower) < 1e-9)!;
    expect(bin(0.9)).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(bin(0.9).confidence).toBeCloseTo(0.95, 6);
    expect(bin(0.5)).toMatchObject({ count: 1, accuracy: 1 });
    expect(bin(0.6)).toMatchObject({ count: 1, accuracy: 0 });
    expect(c.bins.reduce((a, b) => a + b.count, 0)).toBe(4);
    // ECE = 2/4·|0.5−0.95| + 1/4·|1−0.55| + 1/4·|0−0.65| = 0.225 + 0.1125 + 0.1625 = 0.5
    expect(c.ece).toBeCloseTo(0.5, 6);
  });

  it('a confidence of exactly 1 falls in the last bin; perfect calibration gives ECE 0', () => {
    const c = calibration({ probabilities: Float32Array.from([1, 0, 0, 1]), classes: 2 }, Uint8Array.from([0, 1]));
    expect(c.bins[9]).toMatchObject({ count: 2, accuracy: 1, confidence: 1 });
    expect(c.ece).toBe(0);
  });
});

describe('argmaxRows and pickRandom', () => {
  it('argmax takes the first of equal maxima', () => {
    expect([...argmaxRows({ probabilities: Float32Array.from([0.2, 0.5, 0.3, 0.4, 0.4, 0.2]), classes: 3 })]).toEqual([
      1, 0,
    ]);
  });

  it('picks distinct candidates, sorted, at most as many as exist, reproducibly', () => {
    let state = 7;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const candidates = Array.from({ length: 50 }, (_, i) => i * 3);
    const a = pickRandom(candidates, 10, random);
    expect(new Set(a).size).toBe(10);
    expect(a.every((x) => candidates.includes(x))).toBe(true);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(pickRandom([4, 2], 10, random)).toEqual([2, 4]);
    expect(pickRandom(candidates, 3, () => 0)).toEqual([0, 3, 6]);
    // Every candidate is reachable: over many draws all 50 show up.
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) for (const x of pickRandom(candidates, 5, random)) seen.add(x);
    expect(seen.size).toBe(50);
  });
});

describe('misreadings', () => {
  it('lists the misread images surest first, ties by index, with the offset added to each index', () => {
    // Four images, three classes: image 1 is right; 0, 2 and 3 are wrong (2 and 3 at the same confidence).
    const probabilities = new Float32Array([0.2, 0.7, 0.1, 0.9, 0.05, 0.05, 0.1, 0.1, 0.8, 0.8, 0.1, 0.1]);
    const labels = new Uint8Array([1, 0, 2, 0]);
    const actual = new Uint8Array([0, 0, 0, 2]);
    expect(misreadings(actual, { probabilities, labels, classes: 3 }, 100)).toEqual([
      { index: 102, label: 0, predicted: 2, confidence: expect.closeTo(0.8, 6) },
      { index: 103, label: 2, predicted: 0, confidence: expect.closeTo(0.8, 6) },
      { index: 100, label: 0, predicted: 1, confidence: expect.closeTo(0.7, 6) },
    ]);
  });
});
