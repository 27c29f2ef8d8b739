import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import { allocParam, type Layer, type Param, type PlanInput, type PlanOutput } from '../layer.js';
import { sizeOf, type Shape } from '../tensor.js';

export interface BatchNormalizationOptions {
  /** Weight of the old value in the moving averages (Keras default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (Keras default 1e-3). */
  epsilon?: number;
  name?: string;
}

/**
 * Keras's BatchNormalization over the last axis (channels): in training, each channel is normalised with the
 * batch's mean and (biased) variance over every other axis, then scaled by gamma and shifted by beta; the
 * moving mean and variance follow with `momentum`. At inference the moving statistics are used.
 * The kernels work on the input as an m×c matrix (m = rows · pixels); per-channel arithmetic (c numbers) is
 * done here.
 */
export class BatchNormalization implements Layer {
  readonly className = 'BatchNormalization';
  name: string;
  readonly momentum: number;
  readonly epsilon: number;
  params: Param[] = [];
  outputShape: Shape = [];
  private c = 0;
  private perRow = 0;
  private x: Ptr = 0;
  private dx: Ptr = 0;
  private y: Ptr = 0;
  private dy: Ptr = 0;
  /** Heap scratch: two f64 column-sum vectors, then three f32 coefficient vectors of c each. */
  private sums: Ptr = 0;
  private coef: Ptr = 0;
  private heap!: Heap;
  /** Batch statistics of the last training forward, for backward. */
  private mean = new Float64Array(0);
  private invStd = new Float64Array(0);
  /**
   * Rows folded into the moving statistics since `restartStatistics()`, which makes them the exact average of
   * the batches seen; null while they follow `momentum`.
   */
  private averagedRows: number | null = null;

  constructor(options: BatchNormalizationOptions = {}) {
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1))
      throw new RangeError('BatchNormalization momentum must be in [0, 1]');
    if (!(this.epsilon > 0)) throw new RangeError('BatchNormalization epsilon must be positive');
    this.name = options.name ?? '';
  }

  /**
   * From now on each training forward makes the moving mean and variance the row-weighted average of every
   * batch's statistics since this call (as PyTorch's update_bn does), instead of a momentum update.
   */
  restartStatistics(): void {
    this.averagedRows = 0;
  }

  /** Back to Keras's momentum update of the moving statistics. */
  followMomentum(): void {
    this.averagedRows = null;
  }

  get gamma(): Param {
    return this.params[0];
  }
  get beta(): Param {
    return this.params[1];
  }
  get movingMean(): Param {
    return this.params[2];
  }
  get movingVariance(): Param {
    return this.params[3];
  }

  build(heap: Heap, _rng: unknown, inputShape: Shape): Shape {
    this.heap = heap;
    this.c = inputShape[inputShape.length - 1];
    this.perRow = sizeOf(inputShape) / this.c;
    const c = this.c;
    this.params = [
      allocParam(heap, 'gamma', [c]),
      allocParam(heap, 'beta', [c]),
      allocParam(heap, 'moving_mean', [c], false),
      allocParam(heap, 'moving_variance', [c], false),
    ];
    heap.f32(this.gamma.value, c).fill(1);
    heap.f32(this.movingVariance.value, c).fill(1);
    this.mean = new Float64Array(c);
    this.invStd = new Float64Array(c);
    this.outputShape = inputShape;
    return inputShape;
  }

  plan(kernels: Kernels, _batch: number, _training: boolean, input: PlanInput, output: PlanOutput): void {
    this.x = input.x;
    this.dx = input.dx;
    this.y = output.y;
    this.dy = output.dy;
    this.sums = kernels.heap.alloc(this.c * 16);
    this.coef = kernels.heap.alloc(this.c * 12);
  }

  private f32(ptr: Ptr): Float32Array {
    return this.heap.f32(ptr, this.c);
  }

  forward(k: Kernels, n: number, training: boolean): void {
    const c = this.c;
    const m = n * this.perRow;
    const s = this.f32(this.coef);
    const t = this.f32(this.coef + c * 4);
    const gamma = this.f32(this.gamma.value);
    const beta = this.f32(this.beta.value);
    const mm = this.f32(this.movingMean.value);
    const mv = this.f32(this.movingVariance.value);
    if (training) {
      k.columnSums2(this.x, this.x, m, c, this.sums, this.sums + c * 8);
      const sum = this.heap.f64(this.sums, c);
      const sumSq = this.heap.f64(this.sums + c * 8, c);
      // Weight of the old moving value: momentum, or the share of rows it averages when re-estimating.
      const mo = this.averagedRows === null ? this.momentum : this.averagedRows / (this.averagedRows + m);
      if (this.averagedRows !== null) this.averagedRows += m;
      for (let j = 0; j < c; j++) {
        const mean = sum[j] / m;
        const variance = Math.max(0, sumSq[j] / m - mean * mean);
        const invStd = 1 / Math.sqrt(variance + this.epsilon);
        this.mean[j] = mean;
        this.invStd[j] = invStd;
        s[j] = gamma[j] * invStd;
        t[j] = beta[j] - mean * gamma[j] * invStd;
        mm[j] = mm[j] * mo + mean * (1 - mo);
        mv[j] = mv[j] * mo + variance * (1 - mo);
      }
    } else {
      for (let j = 0; j < c; j++) {
        const scale = gamma[j] / Math.sqrt(mv[j] + this.epsilon);
        s[j] = scale;
        t[j] = beta[j] - mm[j] * scale;
      }
    }
    k.affineColumns(this.x, 0, m, c, this.coef, this.coef + c * 4, 0, this.y);
  }

  backward(k: Kernels, n: number): void {
    const c = this.c;
    const m = n * this.perRow;
    // Σdy and Σdy·x per channel; Σdy·x̂ = invStd · (Σdy·x − mean · Σdy).
    k.columnSums2(this.dy, this.x, m, c, this.sums, this.sums + c * 8);
    const sumDy = this.heap.f64(this.sums, c);
    const sumDyX = this.heap.f64(this.sums + c * 8, c);
    const gamma = this.f32(this.gamma.value);
    const dGamma = this.f32(this.gamma.grad);
    const dBeta = this.f32(this.beta.grad);
    const a = this.f32(this.coef);
    const b = this.f32(this.coef + c * 4);
    const u = this.f32(this.coef + c * 8);
    for (let j = 0; j < c; j++) {
      const is = this.invStd[j];
      const s1 = sumDy[j];
      const s2 = is * (sumDyX[j] - this.mean[j] * s1);
      dBeta[j] = s1;
      dGamma[j] = s2;
      // dx = γ·is·(dy − s1/m − x̂·s2/m) = a·dy + u·x + b
      const g = gamma[j] * is;
      a[j] = g;
      u[j] = (-g * is * s2) / m;
      b[j] = (-g * s1) / m - u[j] * this.mean[j];
    }
    if (this.dx) k.affineColumns(this.dy, this.x, m, c, this.coef, this.coef + c * 4, this.coef + c * 8, this.dx);
  }

  config(): Record<string, unknown> {
    return {
      name: this.name,
      trainable: true,
      dtype: 'float32',
      axis: -1,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: true,
      scale: true,
      beta_initializer: { class_name: 'Zeros', config: {} },
      gamma_initializer: { class_name: 'Ones', config: {} },
      moving_mean_initializer: { class_name: 'Zeros', config: {} },
      moving_variance_initializer: { class_name: 'Ones', config: {} },
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }
}
