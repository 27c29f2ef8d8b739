/**
 * Classification metrics computed from a model's class probabilities and the true labels: confusion matrix,
 * per-class precision / recall / F1, calibration (reliability bins and expected calibration error) and the most
 * confused pairs. Plain functions over arrays; no model, no I/O.
 */

/** Class probabilities of `count` images, row-major count × classes. */
export interface ClassProbabilities {
  probabilities: Float32Array;
  classes: number;
}

/** Most probable class of every row (ties go to the lower class, as argmax does). */
export function argmaxRows(p: ClassProbabilities): Uint8Array {
  const { probabilities, classes } = p;
  const count = probabilities.length / classes;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const row = i * classes;
    let best = 0;
    for (let j = 1; j < classes; j++) if (probabilities[row + j] > probabilities[row + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** `matrix[actual][predicted]` = number of images of class `actual` predicted as `predicted` (sklearn's layout). */
export function confusionMatrix(actual: Uint8Array, predicted: Uint8Array, classes: number): number[][] {
  if (actual.length !== predicted.length)
    throw new RangeError(`${actual.length} labels but ${predicted.length} predictions`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) m[actual[i]][predicted[i]]++;
  return m;
}

export interface ClassMetrics {
  class: number;
  /** Of the images predicted as this class, the fraction that are (0 when none were predicted). */
  precision: number;
  /** Of the images of this class, the fraction predicted as it (0 when there are none). */
  recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
  /** Images of this class. */
  support: number;
}

/** Per-class precision, recall, F1 and support from a confusion matrix. */
export function classMetrics(matrix: number[][]): ClassMetrics[] {
  const n = matrix.length;
  return matrix.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < n; r++) predicted += matrix[r][c];
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { class: c, precision, recall, f1, support };
  });
}

/** Unweighted mean of precision, recall and F1 over the classes that have images (sklearn's macro average). */
export function macroAverage(metrics: ClassMetrics[]): { precision: number; recall: number; f1: number } {
  const present = metrics.filter((m) => m.support > 0);
  const mean = (f: (m: ClassMetrics) => number) =>
    present.length ? present.reduce((a, m) => a + f(m), 0) / present.length : 0;
  return { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1) };
}

/** One confidence bin of a reliability diagram. */
export interface CalibrationBin {
  /** Confidence range [lower, upper); the last bin includes 1. */
  lower: number;
  upper: number;
  /** Images whose top probability falls in the bin. */
  count: number;
  /** Mean top probability of those images (0 when empty). */
  confidence: number;
  /** Fraction of them classified correctly (0 when empty). */
  accuracy: number;
}

export interface Calibration {
  bins: CalibrationBin[];
  /** Expected calibration error: Σ (count/N)·|accuracy − confidence| over the bins (Guo et al. 2017). */
  ece: number;
}

/** Reliability bins of equal width over the top-class confidence, and the expected calibration error. */
export function calibration(p: ClassProbabilities, actual: Uint8Array, binCount = 10): Calibration {
  const { probabilities, classes } = p;
  const count = actual.length;
  const sums = Array.from({ length: binCount }, () => ({ count: 0, confidence: 0, correct: 0 }));
  for (let i = 0; i < count; i++) {
    const row = i * classes;
    let best = 0;
    for (let j = 1; j < classes; j++) if (probabilities[row + j] > probabilities[row + best]) best = j;
    const confidence = probabilities[row + best];
    const b = sums[Math.min(binCount - 1, Math.max(0, Math.floor(confidence * binCount)))];
    b.count++;
    b.confidence += confidence;
    if (best === actual[i]) b.correct++;
  }
  let ece = 0;
  const bins = sums.map((s, b) => {
    const confidence = s.count ? s.confidence / s.count : 0;
    const accuracy = s.count ? s.correct / s.count : 0;
    if (count) ece += (s.count / count) * Math.abs(accuracy - confidence);
    return { lower: b / binCount, upper: (b + 1) / binCount, count: s.count, confidence, accuracy };
  });
  return { bins, ece };
}

/** An off-diagonal cell of the confusion matrix. */
export interface ConfusedPair {
  actual: number;
  predicted: number;
  count: number;
}

/** The `limit` largest off-diagonal cells, largest first (ties: by actual, then predicted class). */
export function mostConfusedPairs(matrix: number[][], limit = 5): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  matrix.forEach((row, actual) =>
    row.forEach((count, predicted) => {
      if (actual !== predicted && count > 0) pairs.push({ actual, predicted, count });
    }),
  );
  pairs.sort((a, b) => b.count - a.count || a.actual - b.actual || a.predicted - b.predicted);
  return pairs.slice(0, limit);
}

/** An image the model misread. */
export interface Misreading {
  /** Index of the image in its set. */
  index: number;
  label: number;
  predicted: number;
  /** The probability the model gave its (wrong) answer. */
  confidence: number;
}

/**
 * The images whose predicted class is not their label, surest mistakes first (ties: by index). `offset` is added to
 * each index (predictions made chunk by chunk).
 */
export function misreadings(
  actual: Uint8Array,
  p: ClassProbabilities & { labels: Uint8Array },
  offset = 0,
): Misreading[] {
  const list: Misreading[] = [];
  for (let i = 0; i < actual.length; i++) {
    const predicted = p.labels[i];
    if (predicted === actual[i]) continue;
    list.push({
      index: offset + i,
      label: actual[i],
      predicted,
      confidence: p.probabilities[i * p.classes + predicted],
    });
  }
  return list.sort(surestFirst);
}

/** Order of mistakes: the most confident first, then by index. */
export const surestFirst = (a: Misreading, b: Misreading) => b.confidence - a.confidence || a.index - b.index;
