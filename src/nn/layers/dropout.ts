import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import type { Layer, OutputBuffers, PlanInput, PlanOutput } from '../layer.js';
import type { Shape } from '../tensor.js';
import { sizeOf } from '../tensor.js';

/** Inverted dropout: in training zeroes a `rate` fraction and scales the rest by 1/(1−rate); identity otherwise. */
export class Dropout implements Layer {
  readonly className = 'Dropout';
  readonly params = [];
  readonly stochastic = true;
  name: string;
  outputShape: Shape = [];
  private size = 0;
  private x: Ptr = 0;
  private dx: Ptr = 0;
  private y: Ptr = 0;
  private dy: Ptr = 0;
  private mask: Ptr = 0;

  constructor(
    readonly rate: number,
    options: { name?: string } = {},
  ) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`Dropout rate must be in [0, 1), got ${rate}`);
    this.name = options.name ?? '';
  }

  build(_heap: Heap, _rng: unknown, inputShape: Shape): Shape {
    this.outputShape = inputShape;
    this.size = sizeOf(inputShape);
    return inputShape;
  }

  /** The identity at inference: the input passes through. */
  outputBuffers(training: boolean): OutputBuffers {
    return training ? { y: 'own', dy: 'own' } : { y: 'input', dy: 'none' };
  }

  plan(kernels: Kernels, batch: number, training: boolean, input: PlanInput, output: PlanOutput): void {
    this.x = input.x;
    this.dx = input.dx;
    this.y = output.y;
    this.dy = output.dy;
    this.mask = training ? kernels.heap.alloc(batch * this.size * 4) : 0;
  }

  forward(k: Kernels, rows: number, training: boolean, seed: number): void {
    if (this.y === this.x) return;
    const n = rows * this.size;
    if (training && this.rate > 0) k.dropout(this.x, this.y, this.mask, n, this.rate, seed);
    else k.copy(this.x, this.y, n);
  }

  backward(k: Kernels, rows: number): void {
    if (!this.dx) return;
    const n = rows * this.size;
    if (this.rate > 0) k.mul(this.dy, this.mask, this.dx, n);
    else k.copy(this.dy, this.dx, n);
  }

  config(): Record<string, unknown> {
    return { name: this.name, trainable: true, dtype: 'float32', rate: this.rate, noise_shape: null, seed: null };
  }
}
