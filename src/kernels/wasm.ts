import { Heap, type Ptr } from './heap.js';
import { FILTER_GRADIENT_BLOCK, type Kernels } from './kernels.js';
import { loadNativeGemm, withNativeGemm, type NativeGemm } from './native.js';
import { convBackwardImages, convForwardImages, convScratchFloats, Op, runPart, type PartKernels } from './parallel.js';
import { ARG_SLOTS, CONTROL_INTS, DONE, OP, PARTS, SEQ, waitChange } from './pool-protocol.js';
import { nodeBuiltin } from './node-builtin.js';

/** The functions the AssemblyScript module exports (see assembly/kernels.ts). */
interface KernelExports {
  heapBase(): number;
  gemmWorkspaceFloats(): number;
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
  oneHot(labels: Ptr, n: number, dst: Ptr, r0: number, r1: number): void;
  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, lrT: number, b1: number, b2: number, eps: number, i0: number, i1: number): void;
  sgd(p: Ptr, g: Ptr, vel: Ptr, lr: number, mom: number, nesterov: number, i0: number, i1: number): void;
  rmsprop(p: Ptr, g: Ptr, acc: Ptr, lr: number, rho: number, eps: number, i0: number, i1: number): void;
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
  sumSquares(x: Ptr, i0: number, i1: number): number;
  clamp(x: Ptr, lo: number, hi: number, i0: number, i1: number): void;
  adadelta(p: Ptr, g: Ptr, ag: Ptr, ad: Ptr, lr: number, rho: number, eps: number, i0: number, i1: number): void;
  movingAverage(avg: Ptr, x: Ptr, momentum: number, i0: number, i1: number): void;
}

export type WasmVariant = 'simd' | 'relaxed';

/** The compiled kernel modules, read once per process. */
const moduleCache = new Map<string, WebAssembly.Module>();

function artefactName(variant: WasmVariant, shared: boolean): string {
  return `kernels-${variant}${shared ? '' : '-unshared'}.wasm`;
}

/** Each artefact beside this module, spelled out so that bundlers (Vite, webpack) see and copy all four. */
const ARTEFACTS: Record<string, URL> = {
  'kernels-simd.wasm': new URL('./kernels-simd.wasm', import.meta.url),
  'kernels-simd-unshared.wasm': new URL('./kernels-simd-unshared.wasm', import.meta.url),
  'kernels-relaxed.wasm': new URL('./kernels-relaxed.wasm', import.meta.url),
  'kernels-relaxed-unshared.wasm': new URL('./kernels-relaxed-unshared.wasm', import.meta.url),
};

async function readArtefact(name: string): Promise<Uint8Array<ArrayBuffer>> {
  const url = ARTEFACTS[name];
  if (url.protocol === 'file:') {
    const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
    const { existsSync } = await nodeBuiltin<typeof import('node:fs')>('node:fs');
    // Beside the compiled module in dist/kernels/; when running from src/ (tests), in ../../dist/kernels/.
    const built = existsSync(url) ? url : new URL('../../dist/kernels/' + name, import.meta.url);
    return new Uint8Array(await readFile(built));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Loads the compiled kernel module: the relaxed-SIMD build when this runtime validates it (fused
 * multiply-add), otherwise plain SIMD; the shared-memory build where SharedArrayBuffer exists, otherwise the
 * unshared one. Throws if WebAssembly SIMD itself is unavailable.
 */
export async function loadKernelModule(
  prefer: WasmVariant = 'relaxed',
  shared = typeof SharedArrayBuffer !== 'undefined',
): Promise<{ module: WebAssembly.Module; variant: WasmVariant }> {
  if (prefer === 'relaxed') await enableRelaxedSimdInNode();
  const order: WasmVariant[] = prefer === 'relaxed' ? ['relaxed', 'simd'] : ['simd'];
  for (const variant of order) {
    const name = artefactName(variant, shared);
    const cached = moduleCache.get(name);
    if (cached) return { module: cached, variant };
    const bytes = await readArtefact(name);
    if (!WebAssembly.validate(bytes)) continue;
    const module = await WebAssembly.compile(bytes);
    moduleCache.set(name, module);
    return { module, variant };
  }
  throw new Error('this JavaScript runtime lacks WebAssembly SIMD; use the reference backend');
}

/**
 * Node 20 implements relaxed SIMD behind a V8 flag (on by default from Node 22, Chrome 114). V8 flags are
 * process-wide and read when a module is validated, so setting it before the first compile is enough, and
 * worker threads see it too.
 */
async function enableRelaxedSimdInNode(): Promise<void> {
  if (typeof process === 'undefined' || !process.versions?.node) return;
  const { setFlagsFromString } = await nodeBuiltin<typeof import('node:v8')>('node:v8');
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/** Instantiates the kernel module on a memory. */
export async function instantiateKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

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
  private readonly works: Ptr[] = [];
  private readonly control: Ptr;
  private readonly argsPtr: Ptr;
  private ctrl: Int32Array;
  private args: Float64Array;
  private workers: { terminate(): Promise<number> }[] = [];
  /** The second half's partial C, allocated with the kernels (below any model's memory, which plans reuse). */
  private readonly splitKScratch: Ptr;
  /** What runPart calls: the WASM exports, with gemm taken by the native addon when it is loaded. */
  private readonly part: PartKernels;

  private constructor(
    readonly heap: Heap,
    private readonly x: KernelExports,
    variant: WasmVariant,
    threads: number,
    private readonly native: NativeGemm | null,
  ) {
    this.name = (variant === 'relaxed' ? 'wasm-relaxed-simd' : 'wasm-simd') + (native ? `+native-${native.isa}` : '');
    this.threads = threads;
    this.part = native ? withNativeGemm(x, heap.memory, native) : x;
    for (let i = 0; i < threads; i++) this.works.push(heap.alloc(x.gemmWorkspaceFloats() * 4));
    this.splitKScratch = heap.alloc(SPLIT_K_MAX_FLOATS * 4);
    this.control = heap.alloc(CONTROL_INTS * 4);
    this.argsPtr = heap.alloc(ARG_SLOTS * 8);
    this.ctrl = new Int32Array(heap.memory.buffer, this.control, CONTROL_INTS);
    this.args = new Float64Array(heap.memory.buffer, this.argsPtr, ARG_SLOTS);
  }

  /**
   * Loads the kernels. `threads` (default 1) > 1 starts threads − 1 workers (Node worker_threads); it needs
   * SharedArrayBuffer, and falls back to one thread without it. `native` (default true) lets the optional native
   * GEMM (see native.ts) replace the WASM one in Node with a shared memory, when it was built.
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
    const n = shared && isNode() ? Math.max(1, Math.floor(threads)) : 1;
    // Unshared memories move when they grow; the addon is only given the shared one, whose base is fixed.
    const addon = native && shared ? await loadNativeGemm() : null;
    const k = new WasmKernels(new Heap(memory, x.heapBase()), x, variant, n, addon);
    if (n > 1) await k.startWorkers(module);
    return k;
  }

  private async startWorkers(module: WebAssembly.Module): Promise<void> {
    const { Worker } = await nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
    const { existsSync } = await nodeBuiltin<typeof import('node:fs')>('node:fs');
    let url = new URL(/* @vite-ignore */ './kernel-worker.js', import.meta.url);
    if (!existsSync(url)) url = new URL(/* @vite-ignore */ '../../dist/kernels/kernel-worker.js', import.meta.url);
    const ready: Promise<void>[] = [];
    for (let i = 1; i < this.threads; i++) {
      const w = new Worker(url, {
        workerData: {
          module,
          memory: this.heap.memory,
          control: this.control,
          args: this.argsPtr,
          work: this.works[i],
          index: i,
          native: this.native !== null,
        },
      });
      w.unref();
      ready.push(
        new Promise((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
      );
      this.workers.push(w);
    }
    await Promise.all(ready);
  }

  /** Runs an op whose arguments are in `this.args` on every thread and waits for all. */
  private dispatch(op: Op): void {
    const ctrl = this.ctrl;
    Atomics.store(ctrl, OP, op);
    Atomics.store(ctrl, PARTS, this.threads);
    const seq = Atomics.add(ctrl, SEQ, 1) + 1;
    Atomics.notify(ctrl, SEQ);
    runPart(this.part, op, this.args, 0, this.threads, this.works[0]);
    for (let w = 0; w < this.workers.length; w++) {
      while (Atomics.load(ctrl, DONE + w) !== seq) waitChange(ctrl, DONE + w, seq - 1);
    }
  }

  /** Argument block for the next dispatch (re-viewed if the memory grew). */
  private argBlock(): Float64Array {
    if (this.args.buffer.byteLength !== this.heap.memory.buffer.byteLength) {
      this.args = new Float64Array(this.heap.memory.buffer, this.argsPtr, ARG_SLOTS);
      this.ctrl = new Int32Array(this.heap.memory.buffer, this.control, CONTROL_INTS);
    }
    return this.args;
  }

  gemm(
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
  ): void {
    // Few rows of C over a long k (a first convolution's weight gradient: 9 × 32 over 86,528 pixels) leave one
    // thread idle when split by rows; such products are summed as two halves of k instead, on two threads when
    // there are two. The halves are always added in the same order, so results do not depend on the thread count.
    const align = this.part.gemmRowAlign ?? 4;
    const splitK = m < 2 * align && m * n <= SPLIT_K_MAX_FLOATS && k >= SPLIT_K_MIN && m * n * k >= MIN_PARALLEL_MACS;
    if (transA && !transB && !bias && !relu && splitK) {
      this.gemmSplitK(m, n, k, a, b, c, accumulate);
      return;
    }
    if (this.threads > 1 && m >= 8 && m * n * k >= MIN_PARALLEL_MACS) {
      const g = this.argBlock();
      g[0] = +transA;
      g[1] = +transB;
      g[2] = m;
      g[3] = n;
      g[4] = k;
      g[5] = a;
      g[6] = b;
      g[7] = c;
      g[8] = +accumulate;
      g[9] = bias;
      g[10] = +relu;
      this.dispatch(Op.Gemm);
      return;
    }
    this.part.gemm(+transA, +transB, m, n, k, a, b, c, +accumulate, bias, +relu, this.works[0], 0, m);
  }
  private gemmSplitK(m: number, n: number, k: number, a: Ptr, b: Ptr, c: Ptr, accumulate: boolean): void {
    const k0 = Math.floor(k / 2);
    const scratch = this.splitKScratch;
    if (this.threads > 1) {
      const g = this.argBlock();
      g[0] = m;
      g[1] = n;
      g[2] = k0;
      g[3] = k;
      g[4] = a;
      g[5] = b;
      g[6] = c;
      g[7] = +accumulate;
      g[8] = scratch;
      this.dispatch(Op.GemmSplitK);
    } else {
      this.part.gemm(1, 0, m, n, k0, a, b, c, +accumulate, 0, 0, this.works[0], 0, m);
      this.part.gemm(1, 0, m, n, k - k0, a + k0 * m * 4, b + k0 * n * 4, scratch, 0, 0, 0, this.works[0], 0, m);
    }
    const out = this.heap.f32(c, m * n);
    const half = this.heap.f32(scratch, m * n);
    for (let i = 0; i < m * n; i++) out[i] += half[i];
  }
  relu(x: Ptr, y: Ptr, count: number): void {
    if (this.split(count)) {
      const g = this.argBlock();
      g[0] = x;
      g[1] = y;
      g[2] = count;
      this.dispatch(Op.Relu);
    } else this.x.relu(x, y, 0, count);
  }
  reluBackward(dy: Ptr, y: Ptr, dx: Ptr, count: number): void {
    if (this.split(count)) {
      const g = this.argBlock();
      g[0] = dy;
      g[1] = y;
      g[2] = dx;
      g[3] = count;
      this.dispatch(Op.ReluBackward);
    } else this.x.reluBackward(dy, y, dx, 0, count);
  }
  mul(a: Ptr, b: Ptr, out: Ptr, count: number): void {
    if (this.split(count)) {
      const g = this.argBlock();
      g[0] = a;
      g[1] = b;
      g[2] = out;
      g[3] = count;
      this.dispatch(Op.Mul);
    } else this.x.mul(a, b, out, 0, count);
  }
  copy(x: Ptr, y: Ptr, count: number): void {
    this.x.copy(x, y, count);
  }
  dropout(x: Ptr, y: Ptr, mask: Ptr, count: number, rate: number, seed: number): void {
    if (this.split(count)) {
      const g = this.argBlock();
      g[0] = x;
      g[1] = y;
      g[2] = mask;
      g[3] = rate;
      g[4] = seed >>> 0;
      g[5] = count;
      this.dispatch(Op.Dropout);
    } else this.x.dropout(x, y, mask, rate, seed >>> 0, 0, count);
  }
  colSum(dy: Ptr, m: number, n: number, out: Ptr, accumulate: boolean): void {
    if (this.split(m * n) && n >= 64) {
      const g = this.argBlock();
      g[0] = dy;
      g[1] = m;
      g[2] = n;
      g[3] = out;
      g[4] = +accumulate;
      this.dispatch(Op.ColSum);
    } else this.x.colSum(dy, m, n, out, +accumulate, 0, n);
  }
  softmax(x: Ptr, y: Ptr, m: number, n: number): void {
    if (this.split(m * n * 8)) {
      const g = this.argBlock();
      g[0] = x;
      g[1] = y;
      g[2] = n;
      g[3] = m;
      this.dispatch(Op.Softmax);
    } else this.x.softmax(x, y, n, 0, m);
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
    if (this.split(count * rowLen)) {
      const g = this.argBlock();
      g[0] = src;
      g[1] = idx;
      g[2] = rowLen;
      g[3] = dst;
      g[4] = scale;
      g[5] = count;
      g[6] = shift;
      this.dispatch(Op.GatherScale);
    } else this.x.gatherScale(src, idx, rowLen, dst, scale, shift, 0, count);
  }
  gatherLabels(src: Ptr, idx: Ptr, count: number, dst: Ptr): void {
    this.x.gatherLabels(src, idx, dst, 0, count);
  }
  oneHot(labels: Ptr, m: number, n: number, dst: Ptr): void {
    this.x.oneHot(labels, n, dst, 0, m);
  }
  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, count: number, lrT: number, beta1: number, beta2: number, eps: number): void {
    if (this.split(count)) {
      const a = this.argBlock();
      a[0] = p;
      a[1] = g;
      a[2] = m;
      a[3] = v;
      a[4] = lrT;
      a[5] = beta1;
      a[6] = beta2;
      a[7] = eps;
      a[8] = count;
      this.dispatch(Op.Adam);
    } else this.x.adam(p, g, m, v, lrT, beta1, beta2, eps, 0, count);
  }
  sgd(p: Ptr, g: Ptr, velocity: Ptr, count: number, lr: number, momentum: number, nesterov: boolean): void {
    if (this.split(count)) {
      const a = this.argBlock();
      a[0] = p;
      a[1] = g;
      a[2] = velocity;
      a[3] = lr;
      a[4] = momentum;
      a[5] = +nesterov;
      a[7] = count;
      this.dispatch(Op.Sgd);
    } else this.x.sgd(p, g, velocity, lr, momentum, +nesterov, 0, count);
  }
  rmsprop(p: Ptr, g: Ptr, acc: Ptr, count: number, lr: number, rho: number, eps: number): void {
    if (this.split(count)) {
      const a = this.argBlock();
      a[0] = p;
      a[1] = g;
      a[2] = acc;
      a[3] = lr;
      a[4] = rho;
      a[5] = eps;
      a[7] = count;
      this.dispatch(Op.Rmsprop);
    } else this.x.rmsprop(p, g, acc, lr, rho, eps, 0, count);
  }

  // Window ops need the window's output size to partition rows; the layer passes it as `rows` (n·oh·ow).
  im2col(win: Ptr, n: number, x: Ptr, cols: Ptr): void {
    const rows = n * this.windowOutputs(win);
    if (this.split(rows * 16)) {
      const g = this.argBlock();
      g[0] = win;
      g[1] = x;
      g[2] = cols;
      g[3] = rows;
      this.dispatch(Op.Im2col);
    } else this.x.im2col(win, x, cols, 0, 0, rows);
  }
  col2im(win: Ptr, n: number, cols: Ptr, dx: Ptr): void {
    if (n > 1 && this.split(n * this.windowOutputs(win) * 16)) {
      const g = this.argBlock();
      g[0] = win;
      g[1] = cols;
      g[2] = dx;
      g[3] = n;
      this.dispatch(Op.Col2im);
    } else this.x.col2im(win, cols, 0, dx, 0, n);
  }
  maxPool(win: Ptr, n: number, x: Ptr, y: Ptr, arg: Ptr): void {
    const rows = n * this.windowOutputs(win);
    if (this.split(rows * 16)) {
      const g = this.argBlock();
      g[0] = win;
      g[1] = x;
      g[2] = y;
      g[3] = arg;
      g[4] = rows;
      this.dispatch(Op.MaxPool);
    } else this.x.maxPool(win, x, y, arg, 0, rows);
  }
  maxPoolBackward(win: Ptr, n: number, dy: Ptr, arg: Ptr, dx: Ptr): void {
    if (n > 1 && this.split(n * this.windowOutputs(win) * 16)) {
      const g = this.argBlock();
      g[0] = win;
      g[1] = dy;
      g[2] = arg;
      g[3] = dx;
      g[4] = n;
      this.dispatch(Op.MaxPoolBackward);
    } else this.x.maxPoolBackward(win, dy, arg, dx, 0, n);
  }
  convForward(win: Ptr, n: number, x: Ptr, cols: Ptr, w: Ptr, f: number, bias: Ptr, relu: boolean, y: Ptr): void {
    const [rows, taps] = this.convShape(win);
    const g = this.argBlock();
    g[0] = win;
    g[1] = n;
    g[2] = x;
    g[3] = cols;
    g[4] = w;
    g[5] = y;
    g[6] = bias;
    g[7] = +relu;
    g[8] = f;
    g[9] = taps;
    g[10] = rows;
    if (n > 1 && this.threads > 1 && n * rows * taps * f >= MIN_PARALLEL_MACS) this.dispatch(Op.ConvForward);
    else convForwardImages(this.part, g, 0, n, 0, this.works[0]);
  }
  convBackward(
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
  ): void {
    const [rows, taps] = this.convShape(win);
    const g = this.argBlock();
    g[0] = win;
    g[1] = n;
    g[2] = x;
    g[3] = dz;
    g[4] = w;
    g[5] = f;
    g[6] = cols;
    g[7] = dx;
    g[8] = partial;
    g[9] = taps;
    g[10] = rows;
    if (n > FILTER_GRADIENT_BLOCK && this.threads > 1 && n * rows * taps * f >= MIN_PARALLEL_MACS)
      this.dispatch(Op.ConvBackward);
    else convBackwardImages(this.part, g, 0, n, 0, this.works[0]);
    this.colSum(partial, Math.ceil(n / FILTER_GRADIENT_BLOCK), taps * f, dw, false);
  }
  convColsFloats(win: Ptr, n: number): number {
    const [rows, taps] = this.convShape(win);
    return this.threads * convScratchFloats(rows, taps, n);
  }
  /** Output cells per image and taps per output of a convolution window. */
  private convShape(win: Ptr): [number, number] {
    const v = this.windowWords(win);
    return [v[9] * v[10], v[3] * v[4] * v[2]];
  }
  /** A window block's words in window.ts's field order (h w c kh kw sh sw padTop padLeft oh ow reluInput). */
  private windowWords(win: Ptr): Int32Array {
    return new Int32Array(this.heap.memory.buffer, win, 12);
  }
  convReluMaxPool(conv: Ptr, pool: Ptr, n: number, x: Ptr, w: Ptr, bias: Ptr, y: Ptr, arg: Ptr): void {
    if (n > 1 && this.split(n * this.windowOutputs(pool) * 64)) {
      const g = this.argBlock();
      g[0] = conv;
      g[1] = pool;
      g[2] = n;
      g[3] = x;
      g[4] = w;
      g[5] = bias;
      g[6] = y;
      g[7] = arg;
      this.dispatch(Op.ConvReluMaxPool);
    } else this.x.convReluMaxPool(conv, pool, x, w, bias, y, arg, 0, n);
  }
  convReluMaxPoolBackward(
    conv: Ptr,
    pool: Ptr,
    n: number,
    x: Ptr,
    dy: Ptr,
    arg: Ptr,
    dw: Ptr,
    db: Ptr,
    partial: Ptr,
  ): void {
    const [, taps] = this.convShape(conv);
    const filters = this.windowWords(pool)[2]; // the pooled channels are the convolution's filters
    const blocks = Math.ceil(n / FILTER_GRADIENT_BLOCK);
    const partialB = partial + blocks * taps * filters * 4;
    if (blocks > 1 && this.split(n * this.windowOutputs(pool) * 64)) {
      const g = this.argBlock();
      g[0] = conv;
      g[1] = pool;
      g[2] = n;
      g[3] = x;
      g[4] = dy;
      g[5] = arg;
      g[6] = partial;
      g[7] = partialB;
      g[8] = blocks;
      this.dispatch(Op.ConvReluMaxPoolBackward);
    } else this.x.convReluMaxPoolBackward(conv, pool, n, x, dy, arg, partial, partialB, this.works[0], 0, blocks);
    this.colSum(partial, blocks, taps * filters, dw, false);
    if (db) this.colSum(partialB, blocks, filters, db, false);
  }
  avgPool(win: Ptr, n: number, x: Ptr, y: Ptr): void {
    const rows = n * this.windowOutputs(win);
    if (this.split(rows * 16)) {
      const g = this.argBlock();
      g[0] = win;
      g[1] = x;
      g[2] = y;
      g[3] = rows;
      this.dispatch(Op.AvgPool);
    } else this.x.avgPool(win, x, y, 0, rows);
  }
  avgPoolBackward(win: Ptr, n: number, dy: Ptr, dx: Ptr): void {
    if (n > 1 && this.split(n * this.windowOutputs(win) * 16)) {
      const g = this.argBlock();
      g[0] = win;
      g[1] = dy;
      g[2] = dx;
      g[3] = n;
      this.dispatch(Op.AvgPoolBackward);
    } else this.x.avgPoolBackward(win, dy, dx, 0, n);
  }
  columnSums2(a: Ptr, b: Ptr, m: number, c: number, sumA: Ptr, sumAB: Ptr): void {
    if (c >= 16 && this.split(m * c)) {
      const g = this.argBlock();
      g[0] = a;
      g[1] = b;
      g[2] = m;
      g[3] = c;
      g[4] = sumA;
      g[5] = sumAB;
      this.dispatch(Op.ColumnSums2);
    } else this.x.columnSums2(a, b, m, c, sumA, sumAB, this.works[0], 0, c);
  }
  affineColumns(x: Ptr, z: Ptr, m: number, c: number, s: Ptr, t: Ptr, u: Ptr, out: Ptr): void {
    if (this.split(m * c)) {
      const g = this.argBlock();
      g[0] = x;
      g[1] = z;
      g[2] = c;
      g[3] = s;
      g[4] = t;
      g[5] = u;
      g[6] = out;
      g[7] = m;
      this.dispatch(Op.AffineColumns);
    } else this.x.affineColumns(x, z, c, s, t, u, out, 0, m);
  }

  scale(x: Ptr, y: Ptr, count: number, factor: number): void {
    if (this.split(count)) {
      const g = this.argBlock();
      g[0] = x;
      g[1] = y;
      g[2] = factor;
      g[3] = count;
      this.dispatch(Op.Scale);
    } else this.x.scale(x, y, factor, 0, count);
  }
  movingAverage(avg: Ptr, x: Ptr, count: number, momentum: number): void {
    if (this.split(count)) {
      const g = this.argBlock();
      g[0] = avg;
      g[1] = x;
      g[2] = momentum;
      g[3] = count;
      this.dispatch(Op.MovingAverage);
    } else this.x.movingAverage(avg, x, momentum, 0, count);
  }
  // Parameter-sized and run once per step: one thread keeps the sum's order fixed for any thread count.
  sumSquares(x: Ptr, count: number): number {
    return this.x.sumSquares(x, 0, count);
  }
  clamp(x: Ptr, count: number, lo: number, hi: number): void {
    this.x.clamp(x, lo, hi, 0, count);
  }
  adadelta(p: Ptr, g: Ptr, accGrad: Ptr, accDelta: Ptr, count: number, lr: number, rho: number, eps: number): void {
    if (this.split(count)) {
      const a = this.argBlock();
      a[0] = p;
      a[1] = g;
      a[2] = accGrad;
      a[3] = accDelta;
      a[4] = lr;
      a[5] = rho;
      a[6] = eps;
      a[7] = count;
      this.dispatch(Op.Adadelta);
    } else this.x.adadelta(p, g, accGrad, accDelta, lr, rho, eps, 0, count);
  }

  /** oh·ow of a window block. */
  private windowOutputs(win: Ptr): number {
    const v = this.windowWords(win);
    return v[9] * v[10];
  }

  private split(elements: number): boolean {
    return this.threads > 1 && elements >= MIN_PARALLEL_ELEMENTS;
  }

  async dispose(): Promise<void> {
    if (this.workers.length === 0) return;
    Atomics.store(this.ctrl, OP, Op.Exit);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}

function isNode(): boolean {
  return typeof process !== 'undefined' && Boolean(process.versions?.node);
}
