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

/** How the members' mistakes overlap on labelled images: what tells whether combining them can help. */
export interface MemberAgreement {
  /** `missedBy[k]`: images exactly k members label wrongly, for k = 0 … members. */
  missedBy: number[];
  /**
   * Fraction of images at least one member labels correctly. A vote of these members cannot pass it, and an
   * average only by luck: it is the ceiling of combining them.
   */
  oracleAccuracy: number;
  /** `disagreement[i][j]`: fraction of images on which members i and j give different labels. */
  disagreement: number[][];
}

/** Counts, per image, how many members are wrong, and how often each pair of members disagrees. */
export function memberAgreement(members: Predictions[], truth: ArrayLike<number>): MemberAgreement {
  const n = members.length;
  const count = truth.length;
  for (const m of members) {
    if (m.labels.length !== count)
      throw new DigitsError(`ensemble members disagree: ${m.labels.length} labels for ${count} images`, 'E_SHAPE');
  }
  const missedBy = new Array<number>(n + 1).fill(0);
  for (let i = 0; i < count; i++) {
    let wrong = 0;
    for (const m of members) if (m.labels[i] !== truth[i]) wrong++;
    missedBy[wrong]++;
  }
  // Symmetric with a zero diagonal: each pair is counted once and mirrored.
  const disagreement = members.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let differ = 0;
      for (let k = 0; k < count; k++) if (members[i].labels[k] !== members[j].labels[k]) differ++;
      disagreement[i][j] = disagreement[j][i] = count ? differ / count : 0;
    }
  return { missedBy, oracleAccuracy: count ? 1 - missedBy[n] / count : 0, disagreement };
}
