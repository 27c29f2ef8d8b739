import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import { convPartialFloats } from '../../kernels/kernels.js';
import { makeWindow, writeWindow, type Window } from '../../kernels/window.js';
import { initializerConfig, initKernel, type KernelInitializer } from '../init.js';
import { allocParam, type Layer, type Param, type PlanInput, type PlanOutput } from '../layer.js';
import type { Rng } from '../rng.js';
import type { Shape } from '../tensor.js';

export type Padding = 'valid' | 'same';

export interface Conv2DOptions {
  /** Window step (default 1). */
  strides?: number | [number, number];
  /** "valid" (default): only full windows; "same": zero padding so that output = ⌈input / stride⌉. */
  padding?: Padding;
  activation?: 'linear' | 'relu';
  useBias?: boolean;
  kernelInitializer?: KernelInitializer;
  name?: string;
}

/** A number or a pair, as Keras accepts for kernel sizes and strides. */
export function pair(v: number | readonly number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * 2-D convolution over channels-last images, as Keras's Conv2D: kernel (kh, kw, in, filters), bias (filters).
 * Computed as im2col + GEMM (kernels' convForward / convBackward): each output pixel's window becomes a row, so
 * the kernel as stored is the GEMM's right-hand matrix and bias + ReLU fuse into its epilogue. The kernels go
 * block by block of images so a block's columns stay in cache; backward rebuilds them rather than keep them.
 * A first layer followed by max pooling may instead run fused with it (see ConvReluMaxPool).
 */
export class Conv2D implements Layer {
  readonly className = 'Conv2D';
  name: string;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: 'linear' | 'relu';
  readonly useBias: boolean;
  readonly kernelInitializer: KernelInitializer;
  params: Param[] = [];
  outputShape: Shape = [];
  window!: Window;
  private win: Ptr = 0;
  /** The window block the kernels read (see window.ts); set by build. */
  get windowPtr(): Ptr {
    return this.win;
  }
  private x: Ptr = 0;
  private dx: Ptr = 0;
  private cols: Ptr = 0;
  private y: Ptr = 0;
  private dy: Ptr = 0;
  private partial: Ptr = 0;

  constructor(
    readonly filters: number,
    kernelSize: number | [number, number],
    options: Conv2DOptions = {},
  ) {
    if (!Number.isInteger(filters) || filters < 1)
      throw new RangeError(`Conv2D filters must be a positive integer, got ${filters}`);
    this.kernelSize = pair(kernelSize);
    this.strides = pair(options.strides ?? 1);
    for (const v of [...this.kernelSize, ...this.strides])
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`Conv2D kernel size and strides must be positive integers`);
    this.padding = options.padding ?? 'valid';
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

  /** Rows of the im2col matrix per image and its row length. */
  private get patch(): { rows: number; k: number } {
    const w = this.window;
    return { rows: w.oh * w.ow, k: w.kh * w.kw * w.c };
  }

  /** A 1×1 convolution with stride 1 needs no im2col: the input already is the matrix. */
  private get direct(): boolean {
    const w = this.window;
    return w.kh === 1 && w.kw === 1 && w.sh === 1 && w.sw === 1;
  }

  build(heap: Heap, rng: Rng, inputShape: Shape): Shape {
    if (inputShape.length !== 3)
      throw new RangeError(
        `${this.name}: Conv2D expects images of shape (height, width, channels), got (${inputShape.join(', ')})`,
      );
    const [h, w, c] = inputShape;
    this.window = makeWindow({ h, w, c }, this.kernelSize, this.strides, this.padding);
    if (this.window.oh < 1 || this.window.ow < 1)
      throw new RangeError(`${this.name}: a ${this.kernelSize.join('×')} kernel does not fit a ${h}×${w} input`);
    this.win = writeWindow(heap, this.window);
    const [kh, kw] = this.kernelSize;
    const kernel = allocParam(heap, 'kernel', [kh, kw, c, this.filters]);
    initKernel(this.kernelInitializer, rng, heap.f32(kernel.value, kernel.size), kh * kw * c, kh * kw * this.filters);
    this.params = [kernel];
    if (this.useBias) this.params.push(allocParam(heap, 'bias', [this.filters]));
    this.outputShape = [this.window.oh, this.window.ow, this.filters];
    return this.outputShape;
  }

  plan(kernels: Kernels, batch: number, training: boolean, input: PlanInput, output: PlanOutput): void {
    const heap = kernels.heap;
    this.x = input.x;
    this.dx = input.dx;
    this.y = output.y;
    this.dy = output.dy;
    this.cols = this.direct ? input.x : heap.alloc(kernels.convColsFloats(this.win, batch) * 4);
    this.partial = training && !this.direct ? heap.alloc(convPartialFloats(batch, this.patch.k, this.filters) * 4) : 0;
  }

  forward(kn: Kernels, n: number): void {
    const { rows, k } = this.patch;
    const bias = this.bias?.value ?? 0;
    const relu = this.activation === 'relu';
    if (this.direct)
      kn.gemm(false, false, n * rows, this.filters, k, this.x, this.kernel.value, this.y, false, bias, relu);
    else kn.convForward(this.win, n, this.x, this.cols, this.kernel.value, this.filters, bias, relu, this.y);
  }

  /** Max pooling right after this layer masks the gradient it routes back, which is this ReLU's backward. */
  private reluBackwardHandedOver = false;
  handOverReluBackward(): boolean {
    if (this.activation !== 'relu') return false;
    this.reluBackwardHandedOver = true;
    return true;
  }

  backward(kn: Kernels, n: number): void {
    const { rows, k } = this.patch;
    const m = n * rows;
    const f = this.filters;
    const dz = this.dy;
    if (this.activation === 'relu' && !this.reluBackwardHandedOver) kn.reluBackward(this.dy, this.y, dz, m * f);
    if (this.bias) kn.colSum(dz, m, f, this.bias.grad, false);
    if (this.direct) {
      kn.gemm(true, false, k, f, m, this.x, dz, this.kernel.grad, false, 0, false);
      if (this.dx) kn.gemm(false, true, m, k, f, dz, this.kernel.value, this.dx, false, 0, false);
    } else {
      kn.convBackward(
        this.win,
        n,
        this.x,
        dz,
        this.kernel.value,
        f,
        this.cols,
        this.kernel.grad,
        this.dx,
        this.partial,
      );
    }
  }

  config(): Record<string, unknown> {
    return {
      name: this.name,
      trainable: true,
      dtype: 'float32',
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      groups: 1,
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
