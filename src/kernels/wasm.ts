import { Heap, type Ptr } from './heap.js';
import type { Kernels } from './kernels.js';

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
  gatherScale(src: Ptr, idx: Ptr, rowLen: number, dst: Ptr, scale: number, r0: number, r1: number): void;
  gatherLabels(src: Ptr, idx: Ptr, dst: Ptr, r0: number, r1: number): void;
  oneHot(labels: Ptr, n: number, dst: Ptr, r0: number, r1: number): void;
  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, lrT: number, b1: number, b2: number, eps: number, i0: number, i1: number): void;
  sgd(p: Ptr, g: Ptr, vel: Ptr, lr: number, mom: number, nesterov: number, i0: number, i1: number): void;
  rmsprop(p: Ptr, g: Ptr, acc: Ptr, lr: number, rho: number, eps: number, i0: number, i1: number): void;
}

export type WasmVariant = 'simd' | 'relaxed';

/** The compiled kernel modules, read once per process. */
const moduleCache = new Map<WasmVariant, WebAssembly.Module>();

async function readArtefact(variant: WasmVariant): Promise<Uint8Array<ArrayBuffer>> {
  const name = `kernels-${variant === 'relaxed' ? 'relaxed' : 'simd'}.wasm`;
  const url = new URL(`./${name}`, import.meta.url);
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    const { existsSync } = await import('node:fs');
    // Beside the compiled module in dist/kernels/; when running from src/ (tests), in ../../dist/kernels/.
    const built = existsSync(url) ? url : new URL(`../../dist/kernels/${name}`, import.meta.url);
    return new Uint8Array(await readFile(built));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Loads the compiled kernel module: the relaxed-SIMD build when this runtime validates it (fused
 * multiply-add), otherwise plain SIMD. Throws if WebAssembly SIMD itself is unavailable.
 */
export async function loadKernelModule(
  prefer: WasmVariant = 'relaxed',
): Promise<{ module: WebAssembly.Module; variant: WasmVariant }> {
  if (prefer === 'relaxed') await enableRelaxedSimdInNode();
  const order: WasmVariant[] = prefer === 'relaxed' ? ['relaxed', 'simd'] : ['simd'];
  for (const variant of order) {
    const cached = moduleCache.get(variant);
    if (cached) return { module: cached, variant };
    const bytes = await readArtefact(variant);
    if (!WebAssembly.validate(bytes)) continue;
    const module = await WebAssembly.compile(bytes);
    moduleCache.set(variant, module);
    return { module, variant };
  }
  throw new Error('this JavaScript runtime lacks WebAssembly SIMD (and threads); use the reference backend');
}

/**
 * Node 20 implements relaxed SIMD behind a V8 flag (on by default from Node 22, Chrome 114). V8 flags are
 * process-wide and read when a module is validated, so setting it before the first compile is enough, and
 * worker threads see it too.
 */
async function enableRelaxedSimdInNode(): Promise<void> {
  if (typeof process === 'undefined' || !process.versions?.node) return;
  const { setFlagsFromString } = await import('node:v8');
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

/** WebAssembly SIMD kernels on the calling thread. */
export class WasmKernels implements Kernels {
  readonly name: string;
  readonly threads = 1;
  private readonly work: Ptr;

  private constructor(
    readonly heap: Heap,
    private readonly x: KernelExports,
    variant: WasmVariant,
  ) {
    this.name = variant === 'relaxed' ? 'wasm-relaxed-simd' : 'wasm-simd';
    this.work = heap.alloc(x.gemmWorkspaceFloats() * 4);
  }

  static async create(prefer: WasmVariant = 'relaxed'): Promise<WasmKernels> {
    const { module, variant } = await loadKernelModule(prefer);
    const memory = Heap.createMemory(true);
    const x = await instantiateKernels(module, memory);
    return new WasmKernels(new Heap(memory, x.heapBase()), x, variant);
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
    this.x.gemm(+transA, +transB, m, n, k, a, b, c, +accumulate, bias, +relu, this.work, 0, m);
  }
  relu(x: Ptr, y: Ptr, count: number): void {
    this.x.relu(x, y, 0, count);
  }
  reluBackward(dy: Ptr, y: Ptr, dx: Ptr, count: number): void {
    this.x.reluBackward(dy, y, dx, 0, count);
  }
  mul(a: Ptr, b: Ptr, out: Ptr, count: number): void {
    this.x.mul(a, b, out, 0, count);
  }
  copy(x: Ptr, y: Ptr, count: number): void {
    this.x.copy(x, y, count);
  }
  dropout(x: Ptr, y: Ptr, mask: Ptr, count: number, rate: number, seed: number): void {
    this.x.dropout(x, y, mask, rate, seed >>> 0, 0, count);
  }
  colSum(dy: Ptr, m: number, n: number, out: Ptr, accumulate: boolean): void {
    this.x.colSum(dy, m, n, out, +accumulate, 0, n);
  }
  softmax(x: Ptr, y: Ptr, m: number, n: number): void {
    this.x.softmax(x, y, n, 0, m);
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
  gatherScale(src: Ptr, idx: Ptr, count: number, rowLen: number, dst: Ptr, scale: number): void {
    this.x.gatherScale(src, idx, rowLen, dst, scale, 0, count);
  }
  gatherLabels(src: Ptr, idx: Ptr, count: number, dst: Ptr): void {
    this.x.gatherLabels(src, idx, dst, 0, count);
  }
  oneHot(labels: Ptr, m: number, n: number, dst: Ptr): void {
    this.x.oneHot(labels, n, dst, 0, m);
  }
  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, count: number, lrT: number, beta1: number, beta2: number, eps: number): void {
    this.x.adam(p, g, m, v, lrT, beta1, beta2, eps, 0, count);
  }
  sgd(p: Ptr, g: Ptr, velocity: Ptr, count: number, lr: number, momentum: number, nesterov: boolean): void {
    this.x.sgd(p, g, velocity, lr, momentum, +nesterov, 0, count);
  }
  rmsprop(p: Ptr, g: Ptr, acc: Ptr, count: number, lr: number, rho: number, eps: number): void {
    this.x.rmsprop(p, g, acc, lr, rho, eps, 0, count);
  }
  async dispose(): Promise<void> {}
}
