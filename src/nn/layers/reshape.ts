import type { Heap } from '../../kernels/index.js';
import type { Layer, OutputBuffers } from '../layer.js';
import { sizeOf, type Shape } from '../tensor.js';

/** Keras's Reshape: the same values seen with another per-sample shape (one −1 is inferred). Costs nothing. */
export class Reshape implements Layer {
  readonly className = 'Reshape';
  readonly params = [];
  name: string;
  outputShape: Shape = [];

  constructor(
    readonly targetShape: readonly number[],
    options: { name?: string } = {},
  ) {
    if (targetShape.length === 0 || targetShape.filter((d) => d === -1).length > 1)
      throw new RangeError(`Reshape target ${JSON.stringify(targetShape)} needs dimensions and at most one -1`);
    for (const d of targetShape)
      if (d !== -1 && !(Number.isInteger(d) && d > 0)) throw new RangeError(`Reshape dimension ${d} is not valid`);
    this.name = options.name ?? '';
  }

  build(_heap: Heap, _rng: unknown, inputShape: Shape): Shape {
    const size = sizeOf(inputShape);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (!shape.every((d) => Number.isInteger(d) && d > 0) || sizeOf(shape) !== size)
      throw new RangeError(
        `${this.name}: cannot reshape (${inputShape.join(', ')}) to (${this.targetShape.join(', ')})`,
      );
    this.outputShape = shape;
    return shape;
  }

  /** The same buffers: only the shape changes. */
  outputBuffers(): OutputBuffers {
    return { y: 'input', dy: 'input' };
  }

  plan(): void {}

  forward(): void {}
  backward(): void {}

  config(): Record<string, unknown> {
    return { name: this.name, trainable: true, dtype: 'float32', target_shape: [...this.targetShape] };
  }
}
