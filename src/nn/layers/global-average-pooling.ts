import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import type { Layer, PlanInput, PlanOutput } from '../layer.js';
import type { Shape } from '../tensor.js';

/** Keras's GlobalAveragePooling2D: the mean of each channel over all pixels, (h, w, c) → (c). */
export class GlobalAveragePooling2D implements Layer {
  readonly className = 'GlobalAveragePooling2D';
  readonly params = [];
  name: string;
  outputShape: Shape = [];
  private pixels = 0;
  private c = 0;
  private x: Ptr = 0;
  private dx: Ptr = 0;
  private y: Ptr = 0;
  private dy: Ptr = 0;
  /** 1/pixels per channel, zeros per channel, a pixels×c block of zeros, and the scaled gradient. */
  private inv: Ptr = 0;
  private zeros: Ptr = 0;
  private zeroBlock: Ptr = 0;
  private scaled: Ptr = 0;

  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? '';
  }

  build(heap: Heap, _rng: unknown, inputShape: Shape): Shape {
    if (inputShape.length !== 3)
      throw new RangeError(`${this.name}: GlobalAveragePooling2D expects (height, width, channels)`);
    this.pixels = inputShape[0] * inputShape[1];
    this.c = inputShape[2];
    this.inv = heap.allocF32(this.c);
    heap.f32(this.inv, this.c).fill(1 / this.pixels);
    this.zeros = heap.allocF32(this.c);
    this.outputShape = [this.c];
    return this.outputShape;
  }

  plan(kernels: Kernels, batch: number, training: boolean, input: PlanInput, output: PlanOutput): void {
    const heap = kernels.heap;
    this.x = input.x;
    this.dx = input.dx;
    this.y = output.y;
    this.dy = output.dy;
    if (training && input.dx) {
      this.zeroBlock = heap.allocF32(this.pixels * this.c);
      this.scaled = heap.alloc(batch * this.c * 4);
    }
  }

  forward(k: Kernels, n: number): void {
    const image = this.pixels * this.c * 4;
    for (let b = 0; b < n; b++) k.colSum(this.x + b * image, this.pixels, this.c, this.y + b * this.c * 4, false);
    k.affineColumns(this.y, 0, n, this.c, this.inv, this.zeros, 0, this.y);
  }

  backward(k: Kernels, n: number): void {
    if (!this.dx) return;
    k.affineColumns(this.dy, 0, n, this.c, this.inv, this.zeros, 0, this.scaled);
    // Broadcast each image's scaled gradient row to all its pixels: 0·zeros + row.
    const image = this.pixels * this.c * 4;
    for (let b = 0; b < n; b++)
      k.affineColumns(
        this.zeroBlock,
        0,
        this.pixels,
        this.c,
        this.zeros,
        this.scaled + b * this.c * 4,
        0,
        this.dx + b * image,
      );
  }

  config(): Record<string, unknown> {
    return { name: this.name, trainable: true, dtype: 'float32', data_format: 'channels_last', keepdims: false };
  }
}
