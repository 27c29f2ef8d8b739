/**
 * Combining several models' predictions of the same images: majority vote of their labels (ties go to the
 * tied class with the highest mean probability), or the argmax of their mean probabilities.
 */
import { DigitsError } from '../errors.js';
import type { Predictions } from './evaluate.js';

export type EnsembleMode = 'vote' | 'average';

/** Mean of the members' probabilities, with each image's class picked by `mode`. */
export function combinePredictions(members: Predictions[], mode: EnsembleMode): Predictions {
  if (members.length === 0) throw new DigitsError('an ensemble needs at least one model', 'E_USAGE');
  const { classes } = members[0];
  const count = members[0].labels.length;
  for (const m of members) {
    if (m.classes !== classes || m.labels.length !== count)
      throw new DigitsError(
        `ensemble members disagree: ${classes} classes × ${count} images vs ${m.classes} × ${m.labels.length}`,
        'E_SHAPE',
      );
  }
  const probabilities = new Float32Array(count * classes);
  for (const m of members) for (let i = 0; i < probabilities.length; i++) probabilities[i] += m.probabilities[i];
  for (let i = 0; i < probabilities.length; i++) probabilities[i] /= members.length;
  const labels = new Uint8Array(count);
  const votes = new Int32Array(classes);
  for (let i = 0; i < count; i++) {
    const p = probabilities.subarray(i * classes, (i + 1) * classes);
    if (mode === 'vote') {
      votes.fill(0);
      for (const m of members) votes[m.labels[i]]++;
    }
    let best = 0;
    for (let c = 1; c < classes; c++) {
      const better =
        mode === 'vote' ? votes[c] > votes[best] || (votes[c] === votes[best] && p[c] > p[best]) : p[c] > p[best];
      if (better) best = c;
    }
    labels[i] = best;
  }
  return { probabilities, labels, classes };
}

/** Fraction of labels equal to the truth. */
export function accuracyOf(labels: ArrayLike<number>, truth: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (labels[i] === truth[i]) correct++;
  return truth.length ? correct / truth.length : 0;
}
