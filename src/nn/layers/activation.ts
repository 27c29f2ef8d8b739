import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import type { Layer, OutputBuffers, PlanInput, PlanOutput, SoftmaxLogits } from '../layer.js';
import { sizeOf, type Shape } from '../tensor.js';

export type ActivationName = 'linear' | 'relu' | 'softmax';
/** Keras spells the same function three ways: Activation('relu'), ReLU(), Softmax(). */
export type ActivationClass = 'Activation' | 'ReLU' | 'Softmax';

/**
 * A standalone activation layer. Softmax is differentiable here only as the model's output, fused with
 * cross-entropy (like every framework's stable path).
 */
export class ActivationLayer implements Layer {
  readonly params = [];
  name: string;
  outputShape: Shape = [];
  private size = 0;
  private x: Ptr = 0;
  private dx: Ptr = 0;
  private y: Ptr = 0;
  private dy: Ptr = 0;

  constructor(
    readonly activation: ActivationName,
    readonly className: ActivationClass = 'Activation',
    options: { name?: string } = {},
  ) {
    this.name = options.name ?? '';
  }

  build(_heap: Heap, _rng: unknown, inputShape: Shape): Shape {
    this.outputShape = inputShape;
    this.size = sizeOf(inputShape);
    return inputShape;
  }

  /** Linear passes its input through; softmax's gradient arrives as dLoss/dx straight from the fused loss. */
  outputBuffers(training: boolean): OutputBuffers {
    if (this.activation === 'linear') return { y: 'input', dy: 'input' };
    return { y: 'own', dy: training && this.activation === 'relu' ? 'own' : 'none' };
  }

  plan(_kernels: Kernels, _batch: number, _training: boolean, input: PlanInput, output: PlanOutput): void {
    this.x = input.x;
    this.dx = input.dx;
    this.y = output.y;
    this.dy = output.dy;
  }

  forward(k: Kernels, rows: number): void {
    if (this.activation === 'relu') k.relu(this.x, this.y, rows * this.size);
    else if (this.activation === 'softmax') k.softmax(this.x, this.y, rows, this.size);
  }

  backward(k: Kernels, rows: number): void {
    if (this.activation === 'relu' && this.dx) k.reluBackward(this.dy, this.y, this.dx, rows * this.size);
  }

  softmaxLogits(): SoftmaxLogits | null {
    return this.activation === 'softmax' ? { z: this.x, dz: this.dx, viaInput: true } : null;
  }

  config(): Record<string, unknown> {
    const base = { name: this.name, trainable: true, dtype: 'float32' };
    if (this.className === 'Activation') return { ...base, activation: this.activation };
    if (this.className === 'Softmax') return { ...base, axis: -1 };
    return { ...base, max_value: null, negative_slope: 0.0, threshold: 0.0 };
  }
}
