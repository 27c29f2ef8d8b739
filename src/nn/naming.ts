/** Keras's to_snake_case: Conv2D → conv2d, MaxPooling2D → max_pooling2d, BatchNormalization → batch_normalization, ReLU → re_lu. */
export function kerasSnakeCase(s: string): string {
  return s
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
