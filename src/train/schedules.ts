/**
 * Learning-rate schedules as plain functions of training progress t, measured in epochs (t = 2.5 is halfway
 * through the third epoch). Fit evaluates the schedule before every step, so a schedule depends only on where
 * training is, and a resumed run follows exactly the same rates.
 */

export type Schedule =
  /** The optimizer's learning rate throughout. */
  | { kind: 'constant' }
  /** Multiply by `factor` every `every` epochs (Keras's step decay). */
  | { kind: 'step'; every: number; factor: number }
  /** lr · rate^t: continuous exponential decay per epoch. */
  | { kind: 'exponential'; rate: number }
  /** Linear warm-up over `warmup` epochs, then half a cosine down to `min` at the end (Loshchilov & Hutter). */
  | { kind: 'cosine'; warmup?: number; min?: number }
  /**
   * One-cycle (Smith 2018, PyTorch's OneCycleLR defaults): from lr/divFactor up to lr over the first `pctStart`
   * of training along a cosine, then down to lr/(divFactor·finalDivFactor).
   */
  | { kind: 'onecycle'; pctStart?: number; divFactor?: number; finalDivFactor?: number };

export const SCHEDULE_NAMES = ['constant', 'step', 'exponential', 'cosine', 'onecycle'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** Cosine interpolation from a (at p = 0) to b (at p = 1). */
function cosineBetween(a: number, b: number, p: number): number {
  return b + ((a - b) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, p))))) / 2;
}

/**
 * The learning rate at progress t (epochs, 0 ≤ t < epochs) of a run of `epochs` epochs, for base rate `lr`.
 * `stepEpochs` is the length of one step in epochs (1 / steps per epoch): warm-ups count the step being taken,
 * so the first step never has a zero rate.
 */
export function learningRateAt(s: Schedule, lr: number, t: number, epochs: number, stepEpochs: number): number {
  switch (s.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * s.factor ** Math.floor(t / s.every + 1e-9);
    case 'exponential':
      return lr * s.rate ** t;
    case 'cosine': {
      const warmup = s.warmup ?? 0;
      const min = s.min ?? 0;
      if (t < warmup) return (lr * Math.min(warmup, t + stepEpochs)) / warmup;
      return cosineBetween(lr, min, (t - warmup) / Math.max(1e-12, epochs - warmup));
    }
    case 'onecycle': {
      const pct = s.pctStart ?? 0.3;
      const initial = lr / (s.divFactor ?? 25);
      const final = initial / (s.finalDivFactor ?? 1e4);
      const peak = pct * epochs;
      return t < peak ? cosineBetween(initial, lr, t / peak) : cosineBetween(lr, final, (t - peak) / (epochs - peak));
    }
  }
}

/** Checks a schedule's numbers; returns a message naming the bad one, or null. */
export function scheduleProblem(s: Schedule): string | null {
  const positive = (v: number | undefined, name: string) =>
    v === undefined || (Number.isFinite(v) && v > 0) ? null : `${name} must be positive, got ${v}`;
  switch (s.kind) {
    case 'step':
      return positive(s.every, 'step every') ?? positive(s.factor, 'step factor');
    case 'exponential':
      return positive(s.rate, 'decay rate');
    case 'cosine':
      if (s.warmup !== undefined && !(s.warmup >= 0)) return `warm-up must be non-negative, got ${s.warmup}`;
      if (s.min !== undefined && !(s.min >= 0)) return `minimum learning rate must be non-negative, got ${s.min}`;
      return null;
    case 'onecycle':
      if (s.pctStart !== undefined && !(s.pctStart > 0 && s.pctStart < 1))
        return `one-cycle pct-start must be in (0, 1), got ${s.pctStart}`;
      return positive(s.divFactor, 'div factor') ?? positive(s.finalDivFactor, 'final div factor');
    default:
      return null;
  }
}
