/**
 * Losses. Both are softmax cross-entropy computed from logits (fused and stable); they differ in the
 * targets Keras feeds them: one-hot rows (categorical) or class indices (sparse). Our data is class indices,
 * so categorical builds one-hot rows per batch — the same numbers, and the Keras name is kept in the file.
 */
export const LOSS_NAMES = ['categorical_crossentropy', 'sparse_categorical_crossentropy'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

export function isLossName(s: string): s is LossName {
  return (LOSS_NAMES as readonly string[]).includes(s);
}
