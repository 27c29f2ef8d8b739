import type { Ptr } from './heap.js';
import {
  FILTER_GRADIENT_BLOCK,
  type ConvBackwardArgs as ConvBackwardKernelArgs,
  type GemmArgs,
  type Kernels,
} from './kernels.js';

/**
 * The functions the AssemblyScript module exports (assembly/kernels.ts), declared once. A kernel that threads
 * split takes its part as the last two arguments, a range [from, to) of rows, elements, columns or images.
 */
export interface KernelExports {
  heapBase(): number;
  gemmWorkspaceFloats(): number;
  gemm(...args: [...GemmPart, work: Ptr, r0: number, r1: number]): void;
  relu(x: Ptr, y: Ptr, i0: number, i1: number): void;
  reluBackward(dy: Ptr, y: Ptr, dx: Ptr, i0: number, i1: number): void;
  mul(a: Ptr, b: Ptr, out: Ptr, i0: number, i1: number): void;
  copy(x: Ptr, y: Ptr, count: number): void;
  dropout(x: Ptr, y: Ptr, mask: Ptr, rate: number, seed: number, i0: number, i1: number): void;
  colSum(dy: Ptr, m: number, n: number, out: Ptr, acc: number, j0: number, j1: number): void;
  softmax(x: Ptr, y: Ptr, n: number, r0: number, r1: number): void;
  softmaxCrossEntropy(
    z: Ptr,
    labels: Ptr,
    targets: Ptr,
    n: number,
    dz: Ptr,
    scale: number,
    r0: number,
    r1: number,
  ): number;
  argmaxRows(x: Ptr, n: number, out: Ptr, r0: number, r1: number): void;
  countCorrect(x: Ptr, n: number, labels: Ptr, r0: number, r1: number): number;
  gatherScale(src: Ptr, idx: Ptr, rowLen: number, dst: Ptr, scale: number, shift: number, r0: number, r1: number): void;
  gatherLabels(src: Ptr, idx: Ptr, dst: Ptr, r0: number, r1: number): void;
  activeColumns(x: Ptr, m: number, n: number, idx: Ptr): number;
  gatherColumns(src: Ptr, m: number, n: number, idx: Ptr, k: number, dst: Ptr): void;
  gatherRows(src: Ptr, n: number, idx: Ptr, k: number, dst: Ptr): void;
  scatterRows(src: Ptr, n: number, idx: Ptr, k: number, rows: number, dst: Ptr): void;
  oneHot(labels: Ptr, n: number, dst: Ptr, r0: number, r1: number): void;
  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, lrT: number, b1: number, b2: number, eps: number, i0: number, i1: number): void;
  sgd(p: Ptr, g: Ptr, vel: Ptr, lr: number, mom: number, nesterov: number, i0: number, i1: number): void;
  rmsprop(p: Ptr, g: Ptr, acc: Ptr, lr: number, rho: number, eps: number, i0: number, i1: number): void;
  adadelta(p: Ptr, g: Ptr, ag: Ptr, ad: Ptr, lr: number, rho: number, eps: number, i0: number, i1: number): void;
  im2col(win: Ptr, x: Ptr, cols: Ptr, row0: number, r0: number, r1: number): void;
  col2im(win: Ptr, cols: Ptr, row0: number, dx: Ptr, b0: number, b1: number): void;
  maxPool(win: Ptr, x: Ptr, y: Ptr, arg: Ptr, r0: number, r1: number): void;
  maxPoolBackward(win: Ptr, dy: Ptr, arg: Ptr, dx: Ptr, b0: number, b1: number): void;
  avgPool(win: Ptr, x: Ptr, y: Ptr, r0: number, r1: number): void;
  avgPoolBackward(win: Ptr, dy: Ptr, dx: Ptr, b0: number, b1: number): void;
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
  columnSums2(a: Ptr, b: Ptr, m: number, c: number, sumA: Ptr, sumAB: Ptr, work: Ptr, j0: number, j1: number): void;
  affineColumns(x: Ptr, z: Ptr, c: number, s: Ptr, t: Ptr, u: Ptr, out: Ptr, r0: number, r1: number): void;
  scale(x: Ptr, y: Ptr, factor: number, i0: number, i1: number): void;
  movingAverage(avg: Ptr, x: Ptr, momentum: number, i0: number, i1: number): void;
  sumSquares(x: Ptr, i0: number, i1: number): number;
  clamp(x: Ptr, lo: number, hi: number, i0: number, i1: number): void;
}

/** gemm's arguments as the module takes them (flags as 0/1), before the workspace and the rows. */
export type GemmPart = FlagsAsNumbers<GemmArgs>;
type FlagsAsNumbers<T> = { [K in keyof T]: T[K] extends boolean ? number : T[K] };

/** What a thread runs its parts with: the module's exports, with gemm perhaps the native addon's. */
export type PartKernels = KernelExports & {
  /** Rows of C a GEMM part is a multiple of (the micro-kernel's height; 4 when absent). */
  readonly gemmRowAlign?: number;
};

/**
 * How each kernel that threads split is split: its part is the range in its last two arguments, cut at
 * multiples of `align` (0: the GEMM's row alignment); `work` when the argument before the range is the
 * thread's own workspace; `arity` is the export's argument count (a type error when it disagrees with
 * KernelExports, and test/kernels checks it against the compiled module).
 */
export const SPLIT_KERNELS = {
  gemm: { arity: 14, align: 0, work: true },
  relu: { arity: 4, align: 16, work: false },
  reluBackward: { arity: 5, align: 16, work: false },
  mul: { arity: 5, align: 16, work: false },
  dropout: { arity: 7, align: 16, work: false },
  colSum: { arity: 7, align: 32, work: false },
  softmax: { arity: 5, align: 1, work: false },
  gatherScale: { arity: 8, align: 1, work: false },
  adam: { arity: 10, align: 16, work: false },
  sgd: { arity: 8, align: 16, work: false },
  rmsprop: { arity: 8, align: 16, work: false },
  adadelta: { arity: 9, align: 16, work: false },
  im2col: { arity: 6, align: 1, work: false },
  col2im: { arity: 6, align: 1, work: false },
  maxPool: { arity: 6, align: 1, work: false },
  maxPoolBackward: { arity: 6, align: 1, work: false },
  avgPool: { arity: 5, align: 1, work: false },
  avgPoolBackward: { arity: 5, align: 1, work: false },
  convReluMaxPool: { arity: 9, align: 1, work: false },
  // Whole gradient blocks per thread: a block's partial sum is one thread's.
  convReluMaxPoolBackward: { arity: 11, align: 1, work: true },
  columnSums2: { arity: 9, align: 4, work: true },
  affineColumns: { arity: 9, align: 1, work: false },
  scale: { arity: 5, align: 16, work: false },
  movingAverage: { arity: 5, align: 16, work: false },
} as const satisfies {
  [K in keyof KernelExports]?: { arity: Parameters<KernelExports[K]>['length']; align: number; work: boolean };
};
export type SplitKernel = keyof typeof SPLIT_KERNELS;

type DropRange<A> = A extends [...infer Head, number, number] ? Head : never;
type DropWork<A> = A extends [...infer Head, Ptr] ? Head : never;
/** A split kernel's arguments as its caller gives them: without the range, and without the workspace. */
export type SplitArgs<K extends SplitKernel> = (typeof SPLIT_KERNELS)[K]['work'] extends true
  ? DropWork<DropRange<Parameters<KernelExports[K]>>>
  : DropRange<Parameters<KernelExports[K]>>;

/**
 * Composite ops: TypeScript running kernels in sequence on each thread's share. Each takes its arguments (as the
 * WasmKernels method that dispatches it packs them), then the range of items this thread runs.
 */
export const COMPOSITE_OPS = {
  /**
   * Images [b0, b1) of a convolution, block by block: im2col of a block into this thread's scratch, then that
   * block's rows of the GEMM (with bias and ReLU) straight into y.
   */
  convForward(x: PartKernels, a: ConvForwardArgs, b0: number, b1: number, index: number, work: Ptr): void {
    const [win, n, xp, scratch, w, f, bias, relu, y, taps, rowsPerImage] = a;
    const block = convBlockImages(rowsPerImage, taps);
    const cols = scratch + index * convScratchFloats(rowsPerImage, taps, n) * 4;
    for (let b = b0; b < b1; b += block) {
      const r0 = b * rowsPerImage;
      const rows = (Math.min(b + block, b1) - b) * rowsPerImage;
      x.im2col(win, xp, cols, r0, r0, r0 + rows);
      x.gemm(0, 0, rows, f, taps, cols, w, y + r0 * f * 4, 0, bias, relu, work, 0, rows);
    }
  },
  /**
   * Images [b0, b1) (whole FILTER_GRADIENT_BLOCKs) of a convolution's gradients. For each cache-sized group of
   * a block's images: im2col of the group into this thread's scratch, the group's share of the block's filter
   * gradient (partial[block] += colsᵀ·dz), then, if dx ≠ 0, the group's dz·wᵀ over the same scratch and col2im.
   */
  convBackward(x: PartKernels, a: ConvBackwardArgs, b0: number, b1: number, index: number, work: Ptr): void {
    const [win, n, xp, dz, w, f, scratch, _dw, dx, partial, taps, rowsPerImage] = a;
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
  },
  /**
   * C = Aᵀ·B (A stored k×m, B k×n) in two halves of k, items being the two halves: the first into C, the
   * second into a scratch that the caller adds (see WasmKernels.gemm).
   */
  gemmSplitK(x: PartKernels, a: GemmSplitKArgs, h0: number, h1: number, _index: number, work: Ptr): void {
    const [m, n, k0, k, A, B, C, acc, scratch] = a;
    if (h0 <= 0 && h1 > 0) x.gemm(1, 0, m, n, k0, A, B, C, acc, 0, 0, work, 0, m);
    if (h0 <= 1 && h1 > 1) x.gemm(1, 0, m, n, k - k0, A + k0 * m * 4, B + k0 * n * 4, scratch, 0, 0, 0, work, 0, m);
  },
};
/** The composite convolutions take the Kernels method's arguments, then taps per output and outputs per image. */
type ConvForwardArgs = [...FlagsAsNumbers<Parameters<Kernels['convForward']>>, taps: number, rowsPerImage: number];
type ConvBackwardArgs = [...FlagsAsNumbers<ConvBackwardKernelArgs>, taps: number, rowsPerImage: number];
type GemmSplitKArgs = [m: number, n: number, k0: number, k: number, A: Ptr, B: Ptr, C: Ptr, acc: number, scratch: Ptr];
export type CompositeOp = keyof typeof COMPOSITE_OPS;
export type CompositeArgs<K extends CompositeOp> = Parameters<(typeof COMPOSITE_OPS)[K]>[1];
/** How composite ops are split: convBackward in whole gradient blocks, so a block's partial sum is one thread's. */
const COMPOSITE_ALIGN: Record<CompositeOp, number> = {
  convForward: 1,
  convBackward: FILTER_GRADIENT_BLOCK,
  gemmSplitK: 1,
};

/** Every op the pool runs, numbered by its place here: the number is what the control block carries. */
export const OPS = [...(Object.keys(SPLIT_KERNELS) as SplitKernel[]), ...(Object.keys(COMPOSITE_OPS) as CompositeOp[])];
export type OpName = (typeof OPS)[number];
/** Each op's number. */
export const OP_NUMBER = Object.fromEntries(OPS.map((name, i) => [name, i])) as Record<OpName, number>;
/** The op number that tells workers to exit. */
export const EXIT_OP = -1;
/** An op's arguments as the dispatching method gives them. */
export type OpArgs<K extends OpName> = K extends SplitKernel
  ? SplitArgs<K>
  : K extends CompositeOp
    ? CompositeArgs<K>
    : never;

/**
 * The argument block an op is dispatched with (Float64 words in the shared memory): the item count to split,
 * the argument count, then the arguments in the kernel's own order.
 */
export const ARG_TOTAL = 0;
export const ARG_COUNT = 1;
export const ARG_FIRST = 2;

/**
 * Images per block of a blocked convolution: as many as keep a block's im2col columns within about half a
 * megabyte, so they are still in the core's L2 cache when the GEMM reads them.
 */
export function convBlockImages(rowsPerImage: number, taps: number): number {
  return Math.max(1, Math.floor((512 * 1024) / (rowsPerImage * taps * 4)));
}

/** Floats of one thread's im2col scratch for a blocked convolution of up to n images. */
export function convScratchFloats(rowsPerImage: number, taps: number, n: number): number {
  return Math.min(n, convBlockImages(rowsPerImage, taps)) * rowsPerImage * taps;
}

/** [start, end) of part `index` of `total` items split in `parts`, boundaries multiples of `align`. */
export function partRange(total: number, parts: number, index: number, align: number): [number, number] {
  const chunks = Math.ceil(total / align);
  const start = Math.min(total, Math.floor((chunks * index) / parts) * align);
  const end = Math.min(total, Math.floor((chunks * (index + 1)) / parts) * align);
  return [start, end];
}

/**
 * Runs a thread's share of op number `op` over `total` items, its arguments `args[first, first + count)` (the
 * argument block in a worker, the caller's own array on the calling thread). Every thread runs it with its own
 * index; the partition depends only on the sizes and the thread count and every item is computed by exactly one
 * thread with the same instructions, so results do not depend on scheduling (and GEMM results not even on the
 * thread count). `call` is a scratch array, so nothing is allocated per op.
 */
export function runPart(
  x: PartKernels,
  op: number,
  total: number,
  args: ArrayLike<number>,
  first: number,
  count: number,
  index: number,
  parts: number,
  work: Ptr,
  call: number[],
): void {
  const name = OPS[op];
  call.length = 0;
  for (let i = 0; i < count; i++) call.push(args[first + i]);
  const composite = COMPOSITE_ALIGN[name as CompositeOp];
  if (composite !== undefined) {
    const [from, to] = partRange(total, parts, index, composite);
    if (to > from) COMPOSITE_OPS[name as CompositeOp](x, call as never, from, to, index, work);
    return;
  }
  const spec = SPLIT_KERNELS[name as SplitKernel];
  const [from, to] = partRange(total, parts, index, spec.align || (x.gemmRowAlign ?? 4));
  if (to <= from) return;
  if (spec.work) call.push(work);
  call.push(from, to);
  (x[name as SplitKernel] as (...args: number[]) => void).apply(x, call);
}
