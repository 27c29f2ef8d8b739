import type { EpochLogs } from './history.js';

/** Receives fit() progress. */
export interface ProgressReporter {
  epochBegin(epoch: number, epochs: number, steps: number): void;
  /** Called after each step with the running (mean so far) loss and accuracy. */
  step(step: number, loss: number, accuracy: number): void;
  epochEnd(epoch: number, epochs: number, logs: EpochLogs): void;
  /** Called once when training ends (also on error), to release the terminal. */
  close(): void;
}

/** Reports nothing. */
export const silentProgress: ProgressReporter = { epochBegin() {}, step() {}, epochEnd() {}, close() {} };
