import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import { makeWindow, updateWindow, writeWindow, type Window } from '../../kernels/window.js';
import type { Layer, PlanInput, PlanOutput } from '../layer.js';
import { sizeOf, type Shape } from '../tensor.js';
import { pair, type Padding } from './conv2d.js';

export type PoolKind = 'max' | 'average';

/**
 * Keras's MaxPooling2D and AveragePooling2D over channels-last images, per channel: the maximum of each pool
 * window (forward records where it came from, so backward routes the gradient there), or the mean of the
 * window's cells inside the image (backward shares the gradient equally among them).
 */
class Pooling2D implements Layer {
  readonly className: 'MaxPooling2D' | 'AveragePooling2D';
  readonly params = [];
  name: string;
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  outputShape: Shape = [];
  window!: Window;
  private win: Ptr = 0;
  /** The window block the kernels read (see window.ts); set by build. */
  get windowPtr(): Ptr {
    return this.win;
  }
  private x: Ptr = 0;
  private dx: Ptr = 0;
  private y: Ptr = 0;
  private dy: Ptr = 0;
  private arg: Ptr = 0;

  constructor(
    readonly kind: PoolKind,
    poolSize: number | [number, number] = 2,
    options: { strides?: number | [number, number]; padding?: Padding; name?: string } = {},
  ) {
    this.className = kind === 'max' ? 'MaxPooling2D' : 'AveragePooling2D';
    this.poolSize = pair(poolSize);
    this.strides = pair(options.strides ?? this.poolSize);
    for (const v of [...this.poolSize, ...this.strides])
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`${this.className} pool size and strides must be positive integers`);
    this.padding = options.padding ?? 'valid';
    this.name = options.name ?? '';
  }

  build(heap: Heap, _rng: unknown, inputShape: Shape): Shape {
    if (inputShape.length !== 3)
      throw new RangeError(
        `${this.name}: ${this.className} expects (height, width, channels), got (${inputShape.join(', ')})`,
      );
    const [h, w, c] = inputShape;
    this.window = makeWindow({ h, w, c }, this.poolSize, this.strides, this.padding);
    if (this.window.oh < 1 || this.window.ow < 1)
      throw new RangeError(`${this.name}: a ${this.poolSize.join('×')} pool does not fit a ${h}×${w} input`);
    this.win = writeWindow(heap, this.window);
    this.outputShape = [this.window.oh, this.window.ow, c];
    return this.outputShape;
  }

  /**
   * After a ReLU, a max window whose maximum is 0 routes no gradient: exactly the ReLU's backward, which the
   * previous layer then skips (one pass over its activations fewer per step).
   */
  takeReluBackwardFrom(previous: Layer, heap: Heap): void {
    if (this.kind !== 'max' || !previous.handOverReluBackward?.()) return;
    this.window = { ...this.window, reluInput: 1 };
    updateWindow(heap, this.win, this.window);
  }

  plan(kernels: Kernels, batch: number, _training: boolean, input: PlanInput, output: PlanOutput): void {
    this.x = input.x;
    this.dx = input.dx;
    this.y = output.y;
    this.dy = output.dy;
    this.arg = this.kind === 'max' ? kernels.heap.alloc(batch * sizeOf(this.outputShape) * 4) : 0;
  }

  forward(k: Kernels, n: number): void {
    if (this.kind === 'max') k.maxPool(this.win, n, this.x, this.y, this.arg);
    else k.avgPool(this.win, n, this.x, this.y);
  }

  backward(k: Kernels, n: number): void {
    if (!this.dx) return;
    if (this.kind === 'max') k.maxPoolBackward(this.win, n, this.dy, this.arg, this.dx);
    else k.avgPoolBackward(this.win, n, this.dy, this.dx);
  }

  config(): Record<string, unknown> {
    return {
      name: this.name,
      trainable: true,
      dtype: 'float32',
      pool_size: [...this.poolSize],
      padding: this.padding,
      strides: [...this.strides],
      data_format: 'channels_last',
    };
  }
}

type PoolOptions = { strides?: number | [number, number]; padding?: Padding; name?: string };

/** Keras's MaxPooling2D (pool size 2, strides = pool size, "valid" padding by default). */
export class MaxPooling2D extends Pooling2D {
  constructor(poolSize: number | [number, number] = 2, options: PoolOptions = {}) {
    super('max', poolSize, options);
  }
}

/** Keras's AveragePooling2D (pool size 2, strides = pool size, "valid" padding by default). */
export class AveragePooling2D extends Pooling2D {
  constructor(poolSize: number | [number, number] = 2, options: PoolOptions = {}) {
    super('average', poolSize, options);
  }
}
