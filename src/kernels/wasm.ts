import { Heap, type Ptr } from './heap.js';
import {
  FILTER_GRADIENT_BLOCK,
  type ConvBackwardArgs,
  type ConvReluMaxPoolBackwardArgs,
  type GemmArgs,
  type Kernels,
} from './kernels.js';
import { loadNativeGemm, withNativeGemm, type NativeGemm } from './native.js';
import { instantiateKernels, loadKernelModule, type WasmVariant } from './module.js';
import { convScratchFloats, OP_NUMBER, type KernelExports, type OpArgs, type OpName, type PartKernels } from './ops.js';
import { isNode } from './node-builtin.js';
import { KernelPool } from './pool.js';
import { WINDOW_WORD as W, windowWords } from './window.js';

/** Smallest work worth splitting across threads (a dispatch costs microseconds). */
const MIN_PARALLEL_MACS = 1 << 19;
const MIN_PARALLEL_ELEMENTS = 1 << 15;
/** Shortest k worth splitting in two for a GEMM with few rows (see gemm), and the largest C it does that for. */
const SPLIT_K_MIN = 4096;
const SPLIT_K_MAX_FLOATS = 16384;

/**
 * WebAssembly SIMD kernels, optionally on a pool of worker threads sharing the memory. Large GEMMs are split by
 * rows of C, large elementwise ops by ranges; each thread has its own GEMM workspace. Small ops run on the
 * calling thread alone. Results are identical for a given thread count (and GEMM for any thread count).
 */
export class WasmKernels implements Kernels {
  readonly name: string;
  readonly threads: number;
  private readonly pool: KernelPool;
  /** The second half's partial C, allocated with the kernels (below any model's memory, which plans reuse). */
  private readonly splitKScratch: Ptr;
  /** What runPart calls: the WASM exports, with gemm taken by the native addon when it is loaded. */
  private readonly part: PartKernels;

  private constructor(
    readonly heap: Heap,
    private readonly x: KernelExports,
    variant: WasmVariant,
    threads: number,
    native: NativeGemm | null,
  ) {
    this.name = (variant === 'relaxed' ? 'wasm-relaxed-simd' : 'wasm-simd') + (native ? `+native-${native.isa}` : '');
    this.threads = threads;
    this.part = native ? withNativeGemm(x, heap.memory, native) : x;
    this.pool = new KernelPool(heap, threads, x.gemmWorkspaceFloats());
    this.splitKScratch = heap.alloc(SPLIT_K_MAX_FLOATS * 4);
  }

  /**
   * Loads the kernels. `threads` (default 1) > 1 starts threads − 1 workers: Node worker_threads, or Web Workers
   * when called in a Web Worker of a cross-origin-isolated page; elsewhere (no SharedArrayBuffer, a page's main
   * thread) it runs on one thread. `native` (default true) lets the optional native GEMM (see native.ts) replace the
   * WASM one in Node with a shared memory, when it was built.
   */
  static async create(
    prefer: WasmVariant = 'relaxed',
    threads = 1,
    shared = typeof SharedArrayBuffer !== 'undefined',
    native = true,
  ): Promise<WasmKernels> {
    const { module, variant } = await loadKernelModule(prefer, shared);
    const memory = Heap.createMemory(shared);
    const x = await instantiateKernels(module, memory);
    const n = shared && canStartThreads() ? Math.max(1, Math.floor(threads)) : 1;
    // Unshared memories move when they grow; the addon is only given the shared one, whose base is fixed.
    const addon = native && shared ? await loadNativeGemm() : null;
    const k = new WasmKernels(new Heap(memory, x.heapBase()), x, variant, n, addon);
    if (n > 1) await k.pool.start(module, addon !== null);
    return k;
  }

  /** Runs op `name` over `total` items on the pool: split across every thread when `parallel`. */
  private run<K extends OpName>(name: K, total: number, parallel: boolean, args: OpArgs<K>): void {
    this.pool.run(this.part, OP_NUMBER[name], total, parallel, args);
  }

  gemm(...[transA, transB, m, n, k, a, b, c, accumulate, bias, relu]: GemmArgs): void {
    // Few rows of C over a long k (a first convolution's weight gradient: 9 × 32 over 86,528 pixels) leave one
    // thread idle when split by rows; such products are summed as two halves of k instead, on two threads when
    // there are two. The halves are always added in the same order, so results do not depend on the thread count.
    const align = this.part.gemmRowAlign ?? 4;
    const splitK = m < 2 * align && m * n <= SPLIT_K_MAX_FLOATS && k >= SPLIT_K_MIN && m * n * k >= MIN_PARALLEL_MACS;
    if (transA && !transB && !bias && !relu && splitK) {
      const scratch = this.splitKScratch;
      this.run('gemmSplitK', 2, true, [m, n, Math.floor(k / 2), k, a, b, c, +accumulate, scratch]);
      const out = this.heap.f32(c, m * n);
      const half = this.heap.f32(scratch, m * n);
      for (let i = 0; i < m * n; i++) out[i] += half[i];
      return;
    }
    const parallel = m >= 8 && m * n * k >= MIN_PARALLEL_MACS;
    this.run('gemm', m, parallel, [+transA, +transB, m, n, k, a, b, c, +accumulate, bias, +relu]);
  }
  relu(x: Ptr, y: Ptr, count: number): void {
    this.run('relu', count, this.split(count), [x, y]);
  }
  reluBackward(dy: Ptr, y: Ptr, dx: Ptr, count: number): void {
    this.run('reluBackward', count, this.split(count), [dy, y, dx]);
  }
  mul(a: Ptr, b: Ptr, out: Ptr, count: number): void {
    this.run('mul', count, this.split(count), [a, b, out]);
  }
  copy(x: Ptr, y: Ptr, count: number): void {
    this.x.copy(x, y, count);
  }
  dropout(x: Ptr, y: Ptr, mask: Ptr, count: number, rate: number, seed: number): void {
    this.run('dropout', count, this.split(count), [x, y, mask, rate, seed >>> 0]);
  }
  colSum(dy: Ptr, m: number, n: number, out: Ptr, accumulate: boolean): void {
    this.run('colSum', n, this.split(m * n) && n >= 64, [dy, m, n, out, +accumulate]);
  }
  softmax(x: Ptr, y: Ptr, m: number, n: number): void {
    this.run('softmax', m, this.split(m * n * 8), [x, y, n]);
  }
  softmaxCrossEntropy(z: Ptr, labels: Ptr, targets: Ptr, m: number, n: number, dz: Ptr, scale: number): number {
    return this.x.softmaxCrossEntropy(z, labels, targets, n, dz, scale, 0, m);
  }
  argmaxRows(x: Ptr, m: number, n: number, out: Ptr): void {
    this.x.argmaxRows(x, n, out, 0, m);
  }
  countCorrect(x: Ptr, m: number, n: number, labels: Ptr): number {
    return this.x.countCorrect(x, n, labels, 0, m);
  }
  gatherScale(src: Ptr, idx: Ptr, count: number, rowLen: number, dst: Ptr, scale: number, shift = 0): void {
    this.run('gatherScale', count, this.split(count * rowLen), [src, idx, rowLen, dst, scale, shift]);
  }
  // The column and row gathers are light next to the GEMMs they save: one thread.
  activeColumns(x: Ptr, m: number, n: number, idx: Ptr): number {
    return this.x.activeColumns(x, m, n, idx);
  }
  gatherColumns(src: Ptr, m: number, n: number, idx: Ptr, k: number, dst: Ptr): void {
    this.x.gatherColumns(src, m, n, idx, k, dst);
  }
  gatherRows(src: Ptr, n: number, idx: Ptr, k: number, dst: Ptr): void {
    this.x.gatherRows(src, n, idx, k, dst);
  }
  scatterRows(src: Ptr, n: number, idx: Ptr, k: number, rows: number, dst: Ptr): void {
    this.x.scatterRows(src, n, idx, k, rows, dst);
  }
  gatherLabels(src: Ptr, idx: Ptr, count: number, dst: Ptr): void {
    this.x.gatherLabels(src, idx, dst, 0, count);
  }
  oneHot(labels: Ptr, m: number, n: number, dst: Ptr): void {
    this.x.oneHot(labels, n, dst, 0, m);
  }
  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, count: number, lrT: number, beta1: number, beta2: number, eps: number): void {
    this.run('adam', count, this.split(count), [p, g, m, v, lrT, beta1, beta2, eps]);
  }
  sgd(p: Ptr, g: Ptr, velocity: Ptr, count: number, lr: number, momentum: number, nesterov: boolean): void {
    this.run('sgd', count, this.split(count), [p, g, velocity, lr, momentum, +nesterov]);
  }
  rmsprop(p: Ptr, g: Ptr, acc: Ptr, count: number, lr: number, rho: number, eps: number): void {
    this.run('rmsprop', count, this.split(count), [p, g, acc, lr, rho, eps]);
  }
  adadelta(p: Ptr, g: Ptr, accGrad: Ptr, accDelta: Ptr, count: number, lr: number, rho: number, eps: number): void {
    this.run('adadelta', count, this.split(count), [p, g, accGrad, accDelta, lr, rho, eps]);
  }

  // Window ops split by output cells (n·oh·ow) or, where threads would write the same input pixels, by images.
  im2col(win: Ptr, n: number, x: Ptr, cols: Ptr): void {
    const rows = n * this.windowOutputs(win);
    this.run('im2col', rows, this.split(rows * 16), [win, x, cols, 0]);
  }
  col2im(win: Ptr, n: number, cols: Ptr, dx: Ptr): void {
    this.run('col2im', n, n > 1 && this.split(n * this.windowOutputs(win) * 16), [win, cols, 0, dx]);
  }
  maxPool(win: Ptr, n: number, x: Ptr, y: Ptr, arg: Ptr): void {
    const rows = n * this.windowOutputs(win);
    this.run('maxPool', rows, this.split(rows * 16), [win, x, y, arg]);
  }
  maxPoolBackward(win: Ptr, n: number, dy: Ptr, arg: Ptr, dx: Ptr): void {
    this.run('maxPoolBackward', n, n > 1 && this.split(n * this.windowOutputs(win) * 16), [win, dy, arg, dx]);
  }
  avgPool(win: Ptr, n: number, x: Ptr, y: Ptr): void {
    const rows = n * this.windowOutputs(win);
    this.run('avgPool', rows, this.split(rows * 16), [win, x, y]);
  }
  avgPoolBackward(win: Ptr, n: number, dy: Ptr, dx: Ptr): void {
    this.run('avgPoolBackward', n, n > 1 && this.split(n * this.windowOutputs(win) * 16), [win, dy, dx]);
  }
  convForward(win: Ptr, n: number, x: Ptr, cols: Ptr, w: Ptr, f: number, bias: Ptr, relu: boolean, y: Ptr): void {
    const [rows, taps] = this.convShape(win);
    const parallel = n > 1 && n * rows * taps * f >= MIN_PARALLEL_MACS;
    this.run('convForward', n, parallel, [win, n, x, cols, w, f, bias, +relu, y, taps, rows]);
  }
  convBackward(...[win, n, x, dz, w, f, cols, dw, dx, partial]: ConvBackwardArgs): void {
    const [rows, taps] = this.convShape(win);
    const parallel = n > FILTER_GRADIENT_BLOCK && n * rows * taps * f >= MIN_PARALLEL_MACS;
    this.run('convBackward', n, parallel, [win, n, x, dz, w, f, cols, dw, dx, partial, taps, rows]);
    this.colSum(partial, Math.ceil(n / FILTER_GRADIENT_BLOCK), taps * f, dw, false);
  }
  convColsFloats(win: Ptr, n: number): number {
    const [rows, taps] = this.convShape(win);
    return this.threads * convScratchFloats(rows, taps, n);
  }
  convReluMaxPool(conv: Ptr, pool: Ptr, n: number, x: Ptr, w: Ptr, bias: Ptr, y: Ptr, arg: Ptr): void {
    const parallel = n > 1 && this.split(n * this.windowOutputs(pool) * 64);
    this.run('convReluMaxPool', n, parallel, [conv, pool, x, w, bias, y, arg]);
  }
  convReluMaxPoolBackward(...[conv, pool, n, x, dy, arg, dw, db, partial]: ConvReluMaxPoolBackwardArgs): void {
    const [, taps] = this.convShape(conv);
    const filters = windowWords(this.heap, pool)[W.c]; // the pooled channels are the convolution's filters
    const blocks = Math.ceil(n / FILTER_GRADIENT_BLOCK);
    const partialB = partial + blocks * taps * filters * 4;
    const parallel = blocks > 1 && this.split(n * this.windowOutputs(pool) * 64);
    this.run('convReluMaxPoolBackward', blocks, parallel, [conv, pool, n, x, dy, arg, partial, partialB]);
    this.colSum(partial, blocks, taps * filters, dw, false);
    if (db) this.colSum(partialB, blocks, filters, db, false);
  }
  columnSums2(a: Ptr, b: Ptr, m: number, c: number, sumA: Ptr, sumAB: Ptr): void {
    this.run('columnSums2', c, c >= 16 && this.split(m * c), [a, b, m, c, sumA, sumAB]);
  }
  affineColumns(x: Ptr, z: Ptr, m: number, c: number, s: Ptr, t: Ptr, u: Ptr, out: Ptr): void {
    this.run('affineColumns', m, this.split(m * c), [x, z, c, s, t, u, out]);
  }
  scale(x: Ptr, y: Ptr, count: number, factor: number): void {
    this.run('scale', count, this.split(count), [x, y, factor]);
  }
  movingAverage(avg: Ptr, x: Ptr, count: number, momentum: number): void {
    this.run('movingAverage', count, this.split(count), [avg, x, momentum]);
  }
  // Parameter-sized and run once per step: one thread keeps the sum's order fixed for any thread count.
  sumSquares(x: Ptr, count: number): number {
    return this.x.sumSquares(x, 0, count);
  }
  clamp(x: Ptr, count: number, lo: number, hi: number): void {
    this.x.clamp(x, lo, hi, 0, count);
  }

  /** Output cells per image and taps per output of a convolution window. */
  private convShape(win: Ptr): [number, number] {
    const v = windowWords(this.heap, win);
    return [v[W.oh] * v[W.ow], v[W.kh] * v[W.kw] * v[W.c]];
  }
  /** oh·ow of a window block. */
  private windowOutputs(win: Ptr): number {
    const v = windowWords(this.heap, win);
    return v[W.oh] * v[W.ow];
  }

  private split(elements: number): boolean {
    return this.threads > 1 && elements >= MIN_PARALLEL_ELEMENTS;
  }

  async dispose(): Promise<void> {
    await this.pool.dispose();
  }
}

/**
 * Node has worker threads. In a browser, threads need Web Workers that can share the memory (a cross-origin-isolated
 * page) and a caller that may block while they run its op (Atomics.wait): a worker, not the page's main thread.
 */
function canStartThreads(): boolean {
  if (isNode()) return true;
  const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
  return inWorker && typeof Worker !== 'undefined' && globalThis.crossOriginIsolated === true;
}
