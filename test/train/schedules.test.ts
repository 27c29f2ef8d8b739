import { describe, expect, it } from 'vitest';
import { learningRateAt, scheduleProblem } from '../../src/train/schedules.js';

const at = (s: Parameters<typeof learningRateAt>[0], t: number, epochs = 10) => learningRateAt(s, 0.1, t, epochs, 0.01);

describe('learning-rate schedules (hand-computed values)', () => {
  it('constant', () => {
    expect(at({ kind: 'constant' }, 0)).toBe(0.1);
    expect(at({ kind: 'constant' }, 9.99)).toBe(0.1);
  });

  it('step: × factor every `every` epochs', () => {
    const s = { kind: 'step', every: 3, factor: 0.5 } as const;
    expect(at(s, 0)).toBe(0.1);
    expect(at(s, 2.99)).toBe(0.1);
    expect(at(s, 3)).toBeCloseTo(0.05, 12);
    expect(at(s, 6.5)).toBeCloseTo(0.025, 12);
  });

  it('exponential: lr · rate^t', () => {
    const s = { kind: 'exponential', rate: 0.9 } as const;
    expect(at(s, 0)).toBe(0.1);
    expect(at(s, 2)).toBeCloseTo(0.081, 12);
    expect(at(s, 0.5)).toBeCloseTo(0.1 * Math.sqrt(0.9), 12);
  });

  it('cosine with warm-up: linear ramp, then half a cosine to the minimum', () => {
    const s = { kind: 'cosine', warmup: 2, min: 0.001 } as const;
    // during warm-up the step being taken counts: t + 0.01
    expect(at(s, 0)).toBeCloseTo((0.1 * 0.01) / 2, 12);
    expect(at(s, 1)).toBeCloseTo((0.1 * 1.01) / 2, 12);
    expect(at(s, 2)).toBeCloseTo(0.1, 12);
    // halfway through the cosine part (t = 6 of 2..10): the mean of lr and min
    expect(at(s, 6)).toBeCloseTo((0.1 + 0.001) / 2, 12);
    expect(at(s, 10)).toBeCloseTo(0.001, 12);
  });

  it('one-cycle: from lr/25 up to lr at 30 %, then down to lr/25/1e4', () => {
    const s = { kind: 'onecycle' } as const;
    expect(at(s, 0)).toBeCloseTo(0.004, 12);
    expect(at(s, 1.5)).toBeCloseTo((0.004 + 0.1) / 2, 12);
    expect(at(s, 3)).toBeCloseTo(0.1, 12);
    expect(at(s, 6.5)).toBeCloseTo((0.1 + 0.004e-4) / 2, 12);
    expect(at(s, 10)).toBeCloseTo(0.004e-4, 12);
  });

  it('names bad numbers', () => {
    expect(scheduleProblem({ kind: 'step', every: 0, factor: 0.5 })).toMatch(/every must be positive/);
    expect(scheduleProblem({ kind: 'onecycle', pctStart: 1.5 })).toMatch(/pct-start/);
    expect(scheduleProblem({ kind: 'cosine', warmup: 1 })).toBeNull();
  });
});
