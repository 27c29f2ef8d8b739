import { Heap } from './heap.js';
import type { Kernels } from './kernels.js';
import { ReferenceKernels } from './reference.js';
import { WasmKernels } from './wasm.js';
import { isNode, nodeBuiltin } from './node-builtin.js';

export { gemmKBlock, type Kernels } from './kernels.js';
export { Heap, type Ptr } from './heap.js';
export { ReferenceKernels } from './reference.js';
export { WasmKernels } from './wasm.js';
export { loadNativeGemm, type NativeGemm } from './native.js';

export type Backend = 'wasm' | 'reference';

export interface KernelOptions {
  /** "wasm" (default): WebAssembly SIMD; "reference": plain TypeScript (slow; the test oracle). */
  backend?: Backend;
  /** Use relaxed-SIMD fused multiply-add when the runtime supports it (default true). */
  relaxedSimd?: boolean;
  /** Threads for the WASM backend (default: the machine's available parallelism). */
  threads?: number;
  /**
   * Let the optional native GEMM (AVX2/AVX-512, built at install when a C++ compiler exists) replace the WASM
   * one in Node (default true; DIGITS_NATIVE=0 in the environment also turns it off).
   */
  native?: boolean;
}

/** Threads used when none are asked for: every core the runtime reports. */
export async function defaultThreads(): Promise<number> {
  if (isNode()) return (await nodeBuiltin<typeof import('node:os')>('node:os')).availableParallelism();
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  return 1;
}

/** Creates a kernel backend with its own memory. */
export async function createKernels(options: KernelOptions = {}): Promise<Kernels> {
  if (options.backend === 'reference') {
    const shared = typeof SharedArrayBuffer !== 'undefined';
    return new ReferenceKernels(new Heap(Heap.createMemory(shared), 1024));
  }
  return WasmKernels.create(
    options.relaxedSimd === false ? 'simd' : 'relaxed',
    options.threads ?? (await defaultThreads()),
    undefined,
    options.native ?? true,
  );
}
