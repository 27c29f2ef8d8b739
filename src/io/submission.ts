import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomically } from './atomic.js';

/** Kaggle Digit Recognizer submission text: header "ImageId,Label", ImageId from 1, one row per image. */
export function submissionCsv(labels: ArrayLike<number>): string {
  const rows = ['ImageId,Label'];
  for (let i = 0; i < labels.length; i++) rows.push(`${i + 1},${labels[i]}`);
  return rows.join('\n') + '\n';
}

/** Writes a submission file atomically, creating its directory. */
export function writeSubmission(file: string, labels: ArrayLike<number>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomically(file, submissionCsv(labels));
}
