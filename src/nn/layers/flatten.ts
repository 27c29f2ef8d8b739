import type { Heap } from '../../kernels/index.js';
import type { Layer, OutputBuffers } from '../layer.js';
import { sizeOf, type Shape } from '../tensor.js';

/** Flattens each sample to one dimension (row-major, channels-last as Keras). Costs nothing: same buffers. */
export class Flatten implements Layer {
  readonly className = 'Flatten';
  readonly params = [];
  name: string;
  outputShape: Shape = [];

  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? '';
  }

  build(_heap: Heap, _rng: unknown, inputShape: Shape): Shape {
    this.outputShape = [sizeOf(inputShape)];
    return this.outputShape;
  }

  /** The same buffers: only the shape changes. */
  outputBuffers(): OutputBuffers {
    return { y: 'input', dy: 'input' };
  }

  plan(): void {}

  forward(): void {}
  backward(): void {}

  config(): Record<string, unknown> {
    return { name: this.name, trainable: true, dtype: 'float32', data_format: 'channels_last' };
  }
}
