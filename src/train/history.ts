/** Metrics of one epoch, named as Keras names them. */
export type EpochLogs = {
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  /** Wall-clock seconds for the epoch (training and validation). */
  seconds: number;
  /** Learning rate of the epoch's last step. */
  learning_rate?: number;
};

/** What fit() returns and what model files keep: one entry per epoch. */
export interface History {
  epochs: EpochLogs[];
}

/** Keras's `history.history` shape: metric name → per-epoch values. */
export function historyByMetric(h: History): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const e of h.epochs) {
    for (const [k, v] of Object.entries(e))
      if (typeof v === 'number' && k !== 'seconds' && k !== 'learning_rate') (out[k] ??= []).push(v);
  }
  return out;
}
