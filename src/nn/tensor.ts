/** A per-sample shape (no batch dimension), e.g. [784] or [28, 28, 1]. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Keras's way of printing a batch shape: "(None, 512)". */
export function formatBatchShape(shape: Shape): string {
  return `(None, ${shape.join(', ')})`;
}
