import { gemmKBlock, type Heap, type Kernels, type Ptr } from '../../kernels/index.js';
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
  /**
   * On data (PlanInput.fromData): the input features that are not blank in the whole batch (int32 indices), their
   * count this batch (0: the plain GEMMs run), x's columns and W's rows for them (which backward reuses for their
   * gradient), and where each of the GEMMs' k blocks starts among them. MNIST's pixels are blank at the edges: a
   * batch of 128 leaves about a third of them blank, and a third of the first layer's work goes. The GEMMs run
   * per k block of the full input, so the sums, and every sample's answer, are the same bits as without this.
   */
  private active = { idx: 0, count: 0, x: 0, w: 0, blocks: new Int32Array(0) };

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
    const heap = kernels.heap;
    const block = gemmKBlock(this.inSize);
    this.active = input.fromData
      ? {
          idx: heap.alloc(this.inSize * 4),
          count: 0,
          x: heap.alloc(batch * this.positions * this.inSize * 4),
          w: heap.alloc(this.inSize * this.units * 4),
          blocks: new Int32Array(Math.ceil(this.inSize / block) + 1),
        }
      : { idx: 0, count: 0, x: 0, w: 0, blocks: new Int32Array(0) };
  }

  /**
   * Finds the batch's active input features and, when that saves enough, gathers x's columns (block by block, each
   * block's m×k matrix contiguous) and W's rows for them. A block with none keeps one blank column: every block
   * still runs, as in the full GEMM.
   */
  private gatherActive(k: Kernels, rows: number): void {
    const a = this.active;
    const found = k.activeColumns(this.x, rows, this.inSize, a.idx);
    a.count = 0;
    if (found > 0.9 * this.inSize) return;
    const block = gemmKBlock(this.inSize);
    const idx = k.heap.i32(a.idx, this.inSize);
    const starts = a.blocks;
    const blocks = starts.length - 1;
    // Each block's count (in starts[b] for now), then the indices moved back to their places from the last
    // block on (a place is never before the index's current one, and there is room: found ≤ 0.9 · inSize).
    starts.fill(0);
    for (let i = 0; i < found; i++) starts[(idx[i] / block) | 0]++;
    let total = 0;
    for (let b = 0; b < blocks; b++) total += Math.max(1, starts[b]);
    let read = found;
    let write = total;
    starts[blocks] = total;
    for (let b = blocks - 1; b >= 0; b--) {
      const n = starts[b];
      if (n === 0) idx[--write] = b * block;
      for (let i = 0; i < n; i++) idx[--write] = idx[--read];
      starts[b] = write;
    }
    a.count = total;
    for (let b = 0; b < blocks; b++)
      k.gatherColumns(
        this.x,
        rows,
        this.inSize,
        a.idx + starts[b] * 4,
        starts[b + 1] - starts[b],
        a.x + rows * starts[b] * 4,
      );
    k.gatherRows(this.kernel.value, this.units, a.idx, total, a.w);
  }

  forward(k: Kernels, samples: number): void {
    const rows = samples * this.positions;
    const b = this.bias?.value ?? 0;
    const a = this.active;
    if (a.idx) this.gatherActive(k, rows);
    const relu = this.activation === 'relu';
    if (!a.count)
      k.gemm(false, false, rows, this.units, this.inSize, this.x, this.kernel.value, this.z, false, b, relu);
    const last = a.blocks.length - 2;
    for (let i = 0; a.count && i <= last; i++) {
      const from = a.blocks[i];
      const x = a.x + rows * from * 4;
      const w = a.w + from * this.units * 4;
      const width = a.blocks[i + 1] - from;
      k.gemm(false, false, rows, this.units, width, x, w, this.z, i > 0, i === last ? b : 0, i === last && relu);
    }
    if (this.activation === 'softmax') k.softmax(this.z, this.y, rows, this.units);
  }

  backward(k: Kernels, samples: number): void {
    const rows = samples * this.positions;
    // dy holds dLoss/dy, or dLoss/dz for softmax (filled by the fused loss).
    const dz = this.dy;
    if (this.activation === 'relu') k.reluBackward(this.dy, this.y, dz, rows * this.units);
    const a = this.active;
    if (a.count) {
      // The gradient of the active rows of W (into the gathered copy, used up), zeros elsewhere.
      for (let i = 0; i < a.blocks.length - 1; i++) {
        const from = a.blocks[i];
        const width = a.blocks[i + 1] - from;
        k.gemm(
          true,
          false,
          width,
          this.units,
          rows,
          a.x + rows * from * 4,
          dz,
          a.w + from * this.units * 4,
          false,
          0,
          false,
        );
      }
      k.scatterRows(a.w, this.units, a.idx, a.count, this.inSize, this.kernel.grad);
    } else k.gemm(true, false, this.inSize, this.units, rows, this.x, dz, this.kernel.grad, false, 0, false);
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
