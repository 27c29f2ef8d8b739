import type { Ptr } from './heap.js';
import { FILTER_GRADIENT_BLOCK } from './kernels.js';

/**
 * Work that the kernel thread pool splits. Every thread (the caller and each worker) runs `runPart` on the
 * same op and arguments with its own index; the partition depends only on the sizes and the thread count, and
 * every element is computed by exactly one thread with the same instructions, so results do not depend on
 * scheduling (and GEMM results do not even depend on the thread count).
 */
export const enum Op {
  Exit = 0,
  Gemm = 1,
  Adam = 2,
  Sgd = 3,
  Rmsprop = 4,
  Relu = 5,
  ReluBackward = 6,
  Mul = 7,
  Dropout = 8,
  ColSum = 9,
  GatherScale = 10,
  Softmax = 11,
  Im2col = 12,
  Col2im = 13,
  MaxPool = 14,
  MaxPoolBackward = 15,
  ColumnSums2 = 16,
  AffineColumns = 17,
  Scale = 18,
  Adadelta = 19,
  AvgPool = 20,
  AvgPoolBackward = 21,
  GemmSplitK = 22,
  ConvReluMaxPool = 23,
  ConvReluMaxPoolBackward = 24,
  ConvForward = 25,
  ConvBackward = 26,
  MovingAverage = 27,
}

/** The exported kernel functions runPart calls (a subset of the module's exports). */
export interface PartKernels {
  /** Rows of C a GEMM part is a multiple of (the micro-kernel's height; 4 when absent). */
  readonly gemmRowAlign?: number;
  gemm(
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    a: Ptr,
    b: Ptr,
    c: Ptr,
    acc: number,
    bias: Ptr,
    relu: number,
    work: Ptr,
    r0: number,
    r1: number,
  ): void;
  relu(x: Ptr, y: Ptr, i0: number, i1: number): void;
  reluBackward(dy: Ptr, y: Ptr, dx: Ptr, i0: number, i1: number): void;
  mul(a: Ptr, b: Ptr, out: Ptr, i0: number, i1: number): void;
  dropout(x: Ptr, y: Ptr, mask: Ptr, rate: number, seed: number, i0: number, i1: number): void;
  colSum(dy: Ptr, m: number, n: number, out: Ptr, acc: number, j0: number, j1: number): void;
  softmax(x: Ptr, y: Ptr, n: number, r0: number, r1: number): void;
  gatherScale(src: Ptr, idx: Ptr, rowLen: number, dst: Ptr, scale: number, shift: number, r0: number, r1: number): void;
  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, lrT: number, b1: number, b2: number, eps: number, i0: number, i1: number): void;
  sgd(p: Ptr, g: Ptr, vel: Ptr, lr: number, mom: number, nesterov: number, i0: number, i1: number): void;
  rmsprop(p: Ptr, g: Ptr, acc: Ptr, lr: number, rho: number, eps: number, i0: number, i1: number): void;
  im2col(win: Ptr, x: Ptr, cols: Ptr, row0: number, r0: number, r1: number): void;
  col2im(win: Ptr, cols: Ptr, row0: number, dx: Ptr, b0: number, b1: number): void;
  maxPool(win: Ptr, x: Ptr, y: Ptr, arg: Ptr, r0: number, r1: number): void;
  maxPoolBackward(win: Ptr, dy: Ptr, arg: Ptr, dx: Ptr, b0: number, b1: number): void;
  avgPool(win: Ptr, x: Ptr, y: Ptr, r0: number, r1: number): void;
  convReluMaxPool(g: Ptr, pg: Ptr, x: Ptr, w: Ptr, bias: Ptr, y: Ptr, arg: Ptr, b0: number, b1: number): void;
  convReluMaxPoolBackward(
    g: Ptr,
    pg: Ptr,
    n: number,
    x: Ptr,
    dy: Ptr,
    arg: Ptr,
    partialW: Ptr,
    partialB: Ptr,
    work: Ptr,
    k0: number,
    k1: number,
  ): void;
  avgPoolBackward(win: Ptr, dy: Ptr, dx: Ptr, b0: number, b1: number): void;
  columnSums2(a: Ptr, b: Ptr, m: number, c: number, sumA: Ptr, sumAB: Ptr, work: Ptr, j0: number, j1: number): void;
  affineColumns(x: Ptr, z: Ptr, c: number, s: Ptr, t: Ptr, u: Ptr, out: Ptr, r0: number, r1: number): void;
  scale(x: Ptr, y: Ptr, factor: number, i0: number, i1: number): void;
  adadelta(p: Ptr, g: Ptr, ag: Ptr, ad: Ptr, lr: number, rho: number, eps: number, i0: number, i1: number): void;
  movingAverage(avg: Ptr, x: Ptr, momentum: number, i0: number, i1: number): void;
}

/**
 * Images per block of a blocked convolution (see convForwardImages): as many as keep a block's im2col columns
 * within about half a megabyte, so they are still in the core's L2 cache when the GEMM reads them.
 */
export function convBlockImages(rowsPerImage: number, taps: number): number {
  return Math.max(1, Math.floor((512 * 1024) / (rowsPerImage * taps * 4)));
}

/** Floats of one thread's im2col scratch for a blocked convolution of up to n images. */
export function convScratchFloats(rowsPerImage: number, taps: number, n: number): number {
  return Math.min(n, convBlockImages(rowsPerImage, taps)) * rowsPerImage * taps;
}

/**
 * Images [b0, b1) of a convolution, block by block on thread `index`: im2col of a block into the thread's
 * scratch, then that block's rows of the GEMM (with bias and ReLU) straight into y.
 * a = [win, n, x, scratch, w, y, bias, relu, f, taps, rowsPerImage].
 */
export function convForwardImages(x: PartKernels, a: Float64Array, b0: number, b1: number, index: number, work: Ptr) {
  const [win, n, xp, scratch, w, y, bias, relu, f, taps, rowsPerImage] = a;
  const block = convBlockImages(rowsPerImage, taps);
  const cols = scratch + index * convScratchFloats(rowsPerImage, taps, n) * 4;
  for (let b = b0; b < b1; b += block) {
    const r0 = b * rowsPerImage;
    const rows = (Math.min(b + block, b1) - b) * rowsPerImage;
    x.im2col(win, xp, cols, r0, r0, r0 + rows);
    x.gemm(0, 0, rows, f, taps, cols, w, y + r0 * f * 4, 0, bias, relu, work, 0, rows);
  }
}

/**
 * Images [b0, b1) (whole FILTER_GRADIENT_BLOCKs) of a convolution's gradients on thread `index`. For each
 * cache-sized group of a block's images: im2col of the group into the thread's scratch, the group's share of
 * the block's filter gradient (partial[block] += colsᵀ·dz), then, if dx ≠ 0, the group's dz·wᵀ over the same
 * scratch and col2im of it. a = [win, n, x, dz, w, f, scratch, dx, partial, taps, rowsPerImage].
 */
export function convBackwardImages(x: PartKernels, a: Float64Array, b0: number, b1: number, index: number, work: Ptr) {
  const [win, n, xp, dz, w, f, scratch, dx, partial, taps, rowsPerImage] = a;
  const group = convBlockImages(rowsPerImage, taps);
  const cols = scratch + index * convScratchFloats(rowsPerImage, taps, n) * 4;
  for (let blockStart = b0; blockStart < b1; blockStart += FILTER_GRADIENT_BLOCK) {
    const blockEnd = Math.min(blockStart + FILTER_GRADIENT_BLOCK, b1);
    const sum = partial + (blockStart / FILTER_GRADIENT_BLOCK) * taps * f * 4;
    for (let b = blockStart; b < blockEnd; b += group) {
      const e = Math.min(b + group, blockEnd);
      const r0 = b * rowsPerImage;
      const rows = (e - b) * rowsPerImage;
      const dzRows = dz + r0 * f * 4;
      x.im2col(win, xp, cols, r0, r0, r0 + rows);
      x.gemm(1, 0, taps, f, rows, cols, dzRows, sum, +(b > blockStart), 0, 0, work, 0, taps);
      if (!dx) continue;
      x.gemm(0, 1, rows, taps, f, dzRows, w, cols, 0, 0, 0, work, 0, rows);
      x.col2im(win, cols, r0, dx, b, e);
    }
  }
}

/** [start, end) of part `index` of `total` items split in `parts`, boundaries multiples of `align`. */
export function partRange(total: number, parts: number, index: number, align: number): [number, number] {
  const chunks = Math.ceil(total / align);
  const start = Math.min(total, Math.floor((chunks * index) / parts) * align);
  const end = Math.min(total, Math.floor((chunks * (index + 1)) / parts) * align);
  return [start, end];
}

/** Runs this thread's share of an op. `a` holds the op's arguments (see the WasmKernels methods). */
export function runPart(x: PartKernels, op: Op, a: Float64Array, index: number, parts: number, work: Ptr): void {
  switch (op) {
    case Op.Gemm: {
      const [r0, r1] = partRange(a[2], parts, index, x.gemmRowAlign ?? 4);
      if (r1 > r0) x.gemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], work, r0, r1);
      return;
    }
    case Op.GemmSplitK: {
      // C = Aᵀ·B with A stored k×m, B k×n, in two halves of k: part 0 into C, part 1 into a scratch (see gemm).
      const [m, n, k0, k, A, B, C, acc, scratch] = a;
      if (index === 0) x.gemm(1, 0, m, n, k0, A, B, C, acc, 0, 0, work, 0, m);
      else if (index === 1) x.gemm(1, 0, m, n, k - k0, A + k0 * m * 4, B + k0 * n * 4, scratch, 0, 0, 0, work, 0, m);
      return;
    }
    case Op.Adam: {
      const [i0, i1] = partRange(a[8], parts, index, 16);
      x.adam(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], i0, i1);
      return;
    }
    case Op.Sgd: {
      const [i0, i1] = partRange(a[7], parts, index, 16);
      x.sgd(a[0], a[1], a[2], a[3], a[4], a[5], i0, i1);
      return;
    }
    case Op.Rmsprop: {
      const [i0, i1] = partRange(a[7], parts, index, 16);
      x.rmsprop(a[0], a[1], a[2], a[3], a[4], a[5], i0, i1);
      return;
    }
    case Op.Relu: {
      const [i0, i1] = partRange(a[2], parts, index, 16);
      x.relu(a[0], a[1], i0, i1);
      return;
    }
    case Op.ReluBackward: {
      const [i0, i1] = partRange(a[3], parts, index, 16);
      x.reluBackward(a[0], a[1], a[2], i0, i1);
      return;
    }
    case Op.Mul: {
      const [i0, i1] = partRange(a[3], parts, index, 16);
      x.mul(a[0], a[1], a[2], i0, i1);
      return;
    }
    case Op.Dropout: {
      const [i0, i1] = partRange(a[5], parts, index, 16);
      x.dropout(a[0], a[1], a[2], a[3], a[4], i0, i1);
      return;
    }
    case Op.ColSum: {
      const [j0, j1] = partRange(a[2], parts, index, 32);
      x.colSum(a[0], a[1], a[2], a[3], a[4], j0, j1);
      return;
    }
    case Op.GatherScale: {
      const [r0, r1] = partRange(a[5], parts, index, 1);
      x.gatherScale(a[0], a[1], a[2], a[3], a[4], a[6], r0, r1);
      return;
    }
    case Op.Softmax: {
      const [r0, r1] = partRange(a[3], parts, index, 1);
      x.softmax(a[0], a[1], a[2], r0, r1);
      return;
    }
    case Op.Im2col: {
      const [r0, r1] = partRange(a[3], parts, index, 1);
      if (r1 > r0) x.im2col(a[0], a[1], a[2], 0, r0, r1);
      return;
    }
    case Op.Col2im: {
      const [b0, b1] = partRange(a[3], parts, index, 1);
      if (b1 > b0) x.col2im(a[0], a[1], 0, a[2], b0, b1);
      return;
    }
    case Op.MaxPool: {
      const [r0, r1] = partRange(a[4], parts, index, 1);
      if (r1 > r0) x.maxPool(a[0], a[1], a[2], a[3], r0, r1);
      return;
    }
    case Op.MaxPoolBackward: {
      const [b0, b1] = partRange(a[4], parts, index, 1);
      if (b1 > b0) x.maxPoolBackward(a[0], a[1], a[2], a[3], b0, b1);
      return;
    }
    case Op.ConvReluMaxPool: {
      const [b0, b1] = partRange(a[2], parts, index, 1);
      if (b1 > b0) x.convReluMaxPool(a[0], a[1], a[3], a[4], a[5], a[6], a[7], b0, b1);
      return;
    }
    case Op.ConvReluMaxPoolBackward: {
      const [k0, k1] = partRange(a[8], parts, index, 1);
      if (k1 > k0) x.convReluMaxPoolBackward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], work, k0, k1);
      return;
    }
    case Op.ConvForward: {
      const [b0, b1] = partRange(a[1], parts, index, 1);
      if (b1 > b0) convForwardImages(x, a, b0, b1, index, work);
      return;
    }
    case Op.ConvBackward: {
      // Whole gradient blocks per thread: a block's partial sum is one thread's.
      const [b0, b1] = partRange(a[1], parts, index, FILTER_GRADIENT_BLOCK);
      if (b1 > b0) convBackwardImages(x, a, b0, b1, index, work);
      return;
    }
    case Op.AvgPool: {
      const [r0, r1] = partRange(a[3], parts, index, 1);
      if (r1 > r0) x.avgPool(a[0], a[1], a[2], r0, r1);
      return;
    }
    case Op.AvgPoolBackward: {
      const [b0, b1] = partRange(a[3], parts, index, 1);
      if (b1 > b0) x.avgPoolBackward(a[0], a[1], a[2], b0, b1);
      return;
    }
    case Op.ColumnSums2: {
      const [j0, j1] = partRange(a[3], parts, index, 4);
      if (j1 > j0) x.columnSums2(a[0], a[1], a[2], a[3], a[4], a[5], work, j0, j1);
      return;
    }
    case Op.AffineColumns: {
      const [r0, r1] = partRange(a[7], parts, index, 1);
      if (r1 > r0) x.affineColumns(a[0], a[1], a[2], a[3], a[4], a[5], a[6], r0, r1);
      return;
    }
    case Op.Scale: {
      const [i0, i1] = partRange(a[3], parts, index, 16);
      x.scale(a[0], a[1], a[2], i0, i1);
      return;
    }
    case Op.Adadelta: {
      const [i0, i1] = partRange(a[7], parts, index, 16);
      x.adadelta(a[0], a[1], a[2], a[3], a[4], a[5], a[6], i0, i1);
      return;
    }
    case Op.MovingAverage: {
      const [i0, i1] = partRange(a[3], parts, index, 16);
      x.movingAverage(a[0], a[1], a[2], i0, i1);
      return;
    }
    case Op.Exit:
      return;
  }
}
