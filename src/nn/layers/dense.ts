import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import { initializerConfig, initKernel, type KernelInitializer } from '../init.js';
import { allocParam, type Layer, type Param, type PlanInput, type PlanOutput, type SoftmaxLogits } from '../layer.js';
import type { Rng } from '../rng.js';
import type { Shape } from '../tensor.js';

export type DenseActivation = 'linear' | 'relu' | 'softmax';

export interface DenseOptions {
  activation?: DenseActivation;
  useBias?: boolean;
  /** Keras's kernel_initializer (default "glorot_uniform"); the bias starts at zero. */
  kernelInitializer?: KernelInitializer;
  name?: string;
}

/**
 * Fully connected layer y = act(x·W + b), W of shape (in, units) as Keras stores it, applied as Keras does to
 * the input's last axis (an input of shape (…, in) gives (…, units)). Bias and ReLU are fused into the GEMM
 * epilogue; softmax is fused with the loss in training.
 */
export class Dense implements Layer {
  readonly className = 'Dense';
  name: string;
  readonly activation: DenseActivation;
  readonly useBias: boolean;
  readonly kernelInitializer: KernelInitializer;
  params: Param[] = [];
  outputShape: Shape = [];
  private inSize = 0;
  /** Rows of the GEMM per sample: the product of the input's leading axes (1 for a flat input). */
  private positions = 1;
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
    this.kernelInitializer = options.kernelInitializer ?? 'glorot_uniform';
    this.name = options.name ?? '';
  }

  get kernel(): Param {
    return this.params[0];
  }

  get bias(): Param | undefined {
    return this.useBias ? this.params[1] : undefined;
  }

  build(heap: Heap, rng: Rng, inputShape: Shape): Shape {
    if (inputShape.length === 0) throw new RangeError(`${this.name}: Dense needs an input with at least one axis`);
    this.inSize = inputShape[inputShape.length - 1];
    this.positions = inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
    const kernel = allocParam(heap, 'kernel', [this.inSize, this.units]);
    initKernel(this.kernelInitializer, rng, heap.f32(kernel.value, kernel.size), this.inSize, this.units);
    this.params = [kernel];
    if (this.useBias) this.params.push(allocParam(heap, 'bias', [this.units]));
    this.outputShape = [...inputShape.slice(0, -1), this.units];
    return this.outputShape;
  }

  plan(kernels: Kernels, batch: number, _training: boolean, input: PlanInput, output: PlanOutput): void {
    this.x = input.x;
    this.dx = input.dx;
    this.y = output.y;
    this.dy = output.dy;
    // Softmax keeps its logits apart for the fused loss.
    this.z = this.activation === 'softmax' ? kernels.heap.alloc(batch * this.positions * this.units * 4) : this.y;
  }

  forward(k: Kernels, samples: number): void {
    const rows = samples * this.positions;
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

  backward(k: Kernels, samples: number): void {
    const rows = samples * this.positions;
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
      kernel_initializer: initializerConfig(this.kernelInitializer),
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}
