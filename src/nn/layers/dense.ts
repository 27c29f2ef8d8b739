import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import { glorotUniform } from '../init.js';
import { allocParam, type Layer, type Param, type PlanInput, type PlanOutput, type SoftmaxLogits } from '../layer.js';
import type { Rng } from '../rng.js';
import type { Shape } from '../tensor.js';

export type DenseActivation = 'linear' | 'relu' | 'softmax';

export interface DenseOptions {
  activation?: DenseActivation;
  useBias?: boolean;
  name?: string;
}

/**
 * Fully connected layer y = act(x·W + b), W of shape (in, units) as Keras stores it; Glorot-uniform kernel
 * and zero bias. Bias and ReLU are fused into the GEMM epilogue; softmax is fused with the loss in training.
 */
export class Dense implements Layer {
  readonly className = 'Dense';
  name: string;
  readonly activation: DenseActivation;
  readonly useBias: boolean;
  params: Param[] = [];
  outputShape: Shape = [];
  private inSize = 0;
  private x: Ptr = 0;
  private dx: Ptr = 0;
  private z: Ptr = 0;
  private y: Ptr = 0;
  private dy: Ptr = 0;

  constructor(
    readonly units: number,
    options: DenseOptions = {},
  ) {
    if (!Number.isInteger(units) || units < 1)
      throw new RangeError(`Dense units must be a positive integer, got ${units}`);
    this.activation = options.activation ?? 'linear';
    this.useBias = options.useBias ?? true;
    this.name = options.name ?? '';
  }

  get kernel(): Param {
    return this.params[0];
  }

  get bias(): Param | undefined {
    return this.useBias ? this.params[1] : undefined;
  }

  build(heap: Heap, rng: Rng, inputShape: Shape): Shape {
    if (inputShape.length !== 1) {
      throw new RangeError(
        `${this.name}: Dense expects a flat input, got shape (${inputShape.join(', ')}); add Flatten first`,
      );
    }
    this.inSize = inputShape[0];
    const kernel = allocParam(heap, 'kernel', [this.inSize, this.units]);
    glorotUniform(rng, heap.f32(kernel.value, kernel.size), this.inSize, this.units);
    this.params = [kernel];
    if (this.useBias) this.params.push(allocParam(heap, 'bias', [this.units]));
    this.outputShape = [this.units];
    return this.outputShape;
  }

  plan(kernels: Kernels, batch: number, training: boolean, input: PlanInput): PlanOutput {
    const heap = kernels.heap;
    this.x = input.x;
    this.dx = input.dx;
    this.y = heap.alloc(batch * this.units * 4);
    this.z = this.activation === 'softmax' ? heap.alloc(batch * this.units * 4) : this.y;
    this.dy = training ? heap.alloc(batch * this.units * 4) : 0;
    return { y: this.y, dy: this.dy };
  }

  forward(k: Kernels, rows: number): void {
    const b = this.bias?.value ?? 0;
    k.gemm(
      false,
      false,
      rows,
      this.units,
      this.inSize,
      this.x,
      this.kernel.value,
      this.z,
      false,
      b,
      this.activation === 'relu',
    );
    if (this.activation === 'softmax') k.softmax(this.z, this.y, rows, this.units);
  }

  backward(k: Kernels, rows: number): void {
    // dy holds dLoss/dy, or dLoss/dz for softmax (filled by the fused loss).
    const dz = this.dy;
    if (this.activation === 'relu') k.reluBackward(this.dy, this.y, dz, rows * this.units);
    k.gemm(true, false, this.inSize, this.units, rows, this.x, dz, this.kernel.grad, false, 0, false);
    if (this.bias) k.colSum(dz, rows, this.units, this.bias.grad, false);
    if (this.dx) k.gemm(false, true, rows, this.inSize, this.units, dz, this.kernel.value, this.dx, false, 0, false);
  }

  softmaxLogits(): SoftmaxLogits | null {
    return this.activation === 'softmax' ? { z: this.z, dz: this.dy, viaInput: false } : null;
  }

  config(): Record<string, unknown> {
    return {
      name: this.name,
      trainable: true,
      dtype: 'float32',
      units: this.units,
      activation: this.activation,
      use_bias: this.useBias,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}
