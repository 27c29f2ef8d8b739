import type { Heap, Ptr } from './heap.js';

/**
 * Everything heavy the engine computes, as one interface over pointers into a Heap. Layers, losses and
 * optimizers call only these. Two implementations: `reference.ts` (plain TypeScript, the test oracle) and
 * `wasm.ts` (WebAssembly SIMD, optionally on worker threads). All matrices are row-major and contiguous.
 */
export interface Kernels {
  /** "reference", "wasm-simd" or "wasm-relaxed-simd", with "+native-avx2" or "+native-avx512" when the native GEMM is used. */
  readonly name: string;
  readonly heap: Heap;
  /** Worker threads used (1 = the calling thread only). */
  readonly threads: number;

  /**
   * C[m×n] = op(A)·op(B) (+ C if accumulate) (+ bias[n] if bias ≠ 0, then ReLU if relu).
   * op(A) is m×k (A stored k×m when transA); op(B) is k×n (B stored n×k when transB).
   */
  gemm(...args: GemmArgs): void;
  /** y = max(x, 0); y may alias x. */
  relu(x: Ptr, y: Ptr, count: number): void;
  /** dx = y > 0 ? dy : 0; dx may alias dy. */
  reluBackward(dy: Ptr, y: Ptr, dx: Ptr, count: number): void;
  /** out = a · b elementwise. */
  mul(a: Ptr, b: Ptr, out: Ptr, count: number): void;
  copy(x: Ptr, y: Ptr, count: number): void;
  /** Inverted dropout with a counter-based mask: mask = keep ? 1/(1−rate) : 0, y = x · mask. */
  dropout(x: Ptr, y: Ptr, mask: Ptr, count: number, rate: number, seed: number): void;
  /** out[j] (+)= Σ_r dy[r][j] (bias gradient). */
  colSum(dy: Ptr, m: number, n: number, out: Ptr, accumulate: boolean): void;
  /** Row-wise softmax; y may alias x. */
  softmax(x: Ptr, y: Ptr, m: number, n: number): void;
  /**
   * Softmax cross-entropy from logits. Targets: u8 class labels (labels ≠ 0) or dense floats (targets).
   * Returns the summed loss over the m rows; writes dz = (softmax·Σt − t)·scale when dz ≠ 0.
   */
  softmaxCrossEntropy(z: Ptr, labels: Ptr, targets: Ptr, m: number, n: number, dz: Ptr, scale: number): number;
  /** out[r] (int32) = argmax of row r (first maximum). */
  argmaxRows(x: Ptr, m: number, n: number, out: Ptr): void;
  /** Rows whose argmax equals the u8 label. */
  countCorrect(x: Ptr, m: number, n: number, labels: Ptr): number;
  /** dst[r] = src[idx[r]] · scale + shift (shift default 0): gathers `count` uint8 rows of rowLen bytes into floats. */
  gatherScale(src: Ptr, idx: Ptr, count: number, rowLen: number, dst: Ptr, scale: number, shift?: number): void;
  /**
   * The columns of x (m×n floats) that hold anything but zeros, ascending, as int32 into idx (room for n);
   * returns their count. (-0 counts as zero; NaN as not.) Lets a layer skip input pixels blank in a whole batch.
   */
  activeColumns(x: Ptr, m: number, n: number, idx: Ptr): number;
  /** dst (m×k) = the columns idx[0..k) of src (m×n). */
  gatherColumns(src: Ptr, m: number, n: number, idx: Ptr, k: number, dst: Ptr): void;
  /** dst (k×n) = the rows idx[0..k) of src (rows of n floats). */
  gatherRows(src: Ptr, n: number, idx: Ptr, k: number, dst: Ptr): void;
  /** dst (rows×n) = zeros, but row idx[j] = row j of src (k×n): the adjoint of gatherRows. idx ascends. */
  scatterRows(src: Ptr, n: number, idx: Ptr, k: number, rows: number, dst: Ptr): void;
  /** dst[r] = src[idx[r]] for u8 labels. */
  gatherLabels(src: Ptr, idx: Ptr, count: number, dst: Ptr): void;
  /** dst (m×n floats) = one-hot of u8 labels. */
  oneHot(labels: Ptr, m: number, n: number, dst: Ptr): void;
  /** Adam step; lrT = lr·√(1−β2ᵗ)/(1−β1ᵗ). */
  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, count: number, lrT: number, beta1: number, beta2: number, eps: number): void;
  /** SGD (momentum = 0), momentum, or Nesterov momentum, Keras formulas. */
  sgd(p: Ptr, g: Ptr, velocity: Ptr, count: number, lr: number, momentum: number, nesterov: boolean): void;
  /** RMSprop, Keras formula (no centering, no momentum). */
  rmsprop(p: Ptr, g: Ptr, acc: Ptr, count: number, lr: number, rho: number, eps: number): void;
  /**
   * im2col of n channels-last images through the window block `win` (see window.ts):
   * cols[(b·oh + oy)·ow + ox][(ky·kw + kx)·c + ch] = x[b][oy·sh + ky − padTop][ox·sw + kx − padLeft][ch], 0 outside.
   */
  im2col(win: Ptr, n: number, x: Ptr, cols: Ptr): void;
  /** The adjoint of im2col: dx (overwritten) = the cols entries summed back onto the pixels they came from. */
  col2im(win: Ptr, n: number, cols: Ptr, dx: Ptr): void;
  /**
   * A convolution (Keras's layout: w is kh·kw·c taps × f filters): y = im2col(x)·w (+ bias[f] if bias ≠ 0, then
   * ReLU if relu), exactly as im2col then gemm compute it. `cols` is scratch of convColsFloats(win, n) floats:
   * backends go block by block of images, so a block's columns are still in cache when the GEMM reads them and
   * the whole im2col matrix (hundreds of MB for a large batch) never exists.
   */
  convForward(win: Ptr, n: number, x: Ptr, cols: Ptr, w: Ptr, f: number, bias: Ptr, relu: boolean, y: Ptr): void;
  /**
   * A convolution's gradients from dz (its output's gradient): dw (overwritten) = im2col(x)ᵀ·dz, summed over
   * blocks of FILTER_GRADIENT_BLOCK images into `partial` (convPartialFloats floats) and then over blocks in
   * order; and, when dx ≠ 0, dx (overwritten) = col2im(dz·wᵀ). `cols` is scratch as for convForward.
   */
  convBackward(...args: ConvBackwardArgs): void;
  /** Floats of the `cols` scratch convForward and convBackward need for up to n images through window `win`. */
  convColsFloats(win: Ptr, n: number): number;
  /** Max pooling: y[r][ch] = max over the window (outside cells ignored); arg (int32) = flat x index of the first max. */
  maxPool(win: Ptr, n: number, x: Ptr, y: Ptr, arg: Ptr): void;
  /** dx (overwritten) = dy routed to the positions `arg` recorded. */
  maxPoolBackward(win: Ptr, n: number, dy: Ptr, arg: Ptr, dx: Ptr): void;
  /**
   * Convolution + bias + ReLU + max pooling in one pass, for convolutions with few taps (a first layer): the
   * convolution output is never stored. `conv` is the convolution's window over x (kernel w: kh·kw·c taps ×
   * filters, Keras's layout; bias may be 0), `pool` the pooling's window over the convolution output, with
   * disjoint windows (stride ≥ size, no padding); filters a multiple of 8. y[b][py][px][j] = max(0, the
   * window's maximum); arg (int32) = the window position (wy·pool.kw + wx) of the first maximum, −1 when that
   * is not positive (no gradient flows back: the ReLU's backward).
   */
  convReluMaxPool(conv: Ptr, pool: Ptr, n: number, x: Ptr, w: Ptr, bias: Ptr, y: Ptr, arg: Ptr): void;
  /**
   * The kernel and bias gradients (overwritten; db may be 0) of convReluMaxPool given dy, the pooled output's
   * gradient: each pooled output's dy goes to the convolution output `arg` names. Sums run over blocks of
   * FILTER_GRADIENT_BLOCK images into `partial` (convPoolPartialFloats floats), then over blocks in order, so results
   * do not depend on the thread count.
   */
  convReluMaxPoolBackward(...args: ConvReluMaxPoolBackwardArgs): void;
  /** Average pooling: y[r][ch] = mean of the window's cells inside the image (padding not counted). */
  avgPool(win: Ptr, n: number, x: Ptr, y: Ptr): void;
  /** dx (overwritten) = each window's dy shared equally among the cells it averaged. */
  avgPoolBackward(win: Ptr, n: number, dy: Ptr, dx: Ptr): void;
  /** Column sums of an m×c matrix, in f64: sumA[j] = Σ a[r][j], sumAB[j] = Σ a[r][j]·b[r][j]. */
  columnSums2(a: Ptr, b: Ptr, m: number, c: number, sumA: Ptr, sumAB: Ptr): void;
  /** out[r][j] = s[j]·x[r][j] + t[j] (+ u[j]·z[r][j] if z ≠ 0), m×c; out may alias x or z. */
  affineColumns(x: Ptr, z: Ptr, m: number, c: number, s: Ptr, t: Ptr, u: Ptr, out: Ptr): void;
  /** y = x · factor; y may alias x. */
  scale(x: Ptr, y: Ptr, count: number, factor: number): void;
  /** avg = momentum·avg + (1 − momentum)·x, in f32 (Keras's use_ema weight averages). */
  movingAverage(avg: Ptr, x: Ptr, count: number, momentum: number): void;
  /** Σ x² (accumulated in f64 across blocks). */
  sumSquares(x: Ptr, count: number): number;
  /** x = min(max(x, lo), hi) in place. */
  clamp(x: Ptr, count: number, lo: number, hi: number): void;
  /** Adadelta step, Keras formula. */
  adadelta(p: Ptr, g: Ptr, accGrad: Ptr, accDelta: Ptr, count: number, lr: number, rho: number, eps: number): void;
  /** Releases worker threads, if any. */
  dispose(): Promise<void>;
}

/**
 * How every gemm (WebAssembly, native, and so the same bits) cuts k: one block when k ≤ 384, else blocks of 256;
 * each block's products are summed in order from zero, then added to C. A caller that splits a GEMM along k at
 * these bounds, and calls gemm per block with accumulate, gets the very sums of one call. (The constants are KC
 * and KC_MAX in assembly/kernels.ts and native/gemm.cc.)
 */
export function gemmKBlock(k: number): number {
  return k <= 384 ? k : 256;
}

/** gemm's arguments (see Kernels.gemm). */
export type GemmArgs = [
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Ptr,
  b: Ptr,
  c: Ptr,
  accumulate: boolean,
  bias: Ptr,
  relu: boolean,
];
/** convBackward's arguments (see Kernels.convBackward). */
export type ConvBackwardArgs = [
  win: Ptr,
  n: number,
  x: Ptr,
  dz: Ptr,
  w: Ptr,
  f: number,
  cols: Ptr,
  dw: Ptr,
  dx: Ptr,
  partial: Ptr,
];
/** convReluMaxPoolBackward's arguments (see Kernels.convReluMaxPoolBackward). */
export type ConvReluMaxPoolBackwardArgs = [
  conv: Ptr,
  pool: Ptr,
  n: number,
  x: Ptr,
  dy: Ptr,
  arg: Ptr,
  dw: Ptr,
  db: Ptr,
  partial: Ptr,
];

/**
 * Images per partial sum of a filter gradient (convBackward, convReluMaxPoolBackward; the AssemblyScript kernel
 * has the same constant): blocks are fixed and summed in order, so gradients do not depend on the thread count.
 */
export const FILTER_GRADIENT_BLOCK = 8;

/** Floats of the `partial` scratch convReluMaxPoolBackward needs for n images, `taps` per output, `filters`. */
export function convPoolPartialFloats(n: number, taps: number, filters: number): number {
  return Math.ceil(n / FILTER_GRADIENT_BLOCK) * (taps + 1) * filters;
}

/** Floats of the `partial` scratch convBackward needs for n images, `taps` per output, `filters`. */
export function convPartialFloats(n: number, taps: number, filters: number): number {
  return Math.ceil(n / FILTER_GRADIENT_BLOCK) * taps * filters;
}
