import type { GemmPart, PartKernels } from './ops.js';
import { isNode, nodeBuiltin } from './node-builtin.js';

/**
 * The optional native GEMM (native/gemm.cc, an N-API addon built at install when a C++ compiler exists). It runs
 * the WASM module's `gemm` contract on the same shared memory with AVX2/AVX-512, 2–4× faster than 128-bit
 * WebAssembly SIMD, and the fused first-layer convReluMaxPool for the 3×3 one-channel shape (about 4×). Absent
 * (no compiler, not Node, not x86-64, DIGITS_NATIVE=0, or a CPU without AVX2+FMA), everything runs in
 * WebAssembly. DIGITS_NATIVE=avx2 keeps an AVX-512 CPU on the AVX2 tile.
 */
export interface NativeGemm {
  /** "avx512" or "avx2". */
  readonly isa: string;
  /** Rows of the micro-kernel's tile: thread parts are multiples of it, so no thread gets a sliver of a tile. */
  readonly tileRows: number;
  bind(view: Uint8Array): void;
  gemm(...args: [...GemmPart, r0: number, r1: number]): void;
  /**
   * The fused first-layer kernels for the shape they take (3×3 over one channel, unpadded, 2×2 pooling; see
   * gemm.cc): false when the shape is another, and the WebAssembly kernel must run it.
   */
  convReluMaxPool(
    g: number,
    pg: number,
    x: number,
    w: number,
    bias: number,
    y: number,
    arg: number,
    n: number,
    b0: number,
    b1: number,
  ): boolean;
  convReluMaxPoolBackward(
    g: number,
    pg: number,
    n: number,
    x: number,
    dy: number,
    arg: number,
    partialW: number,
    partialB: number,
    k0: number,
    k1: number,
  ): boolean;
}

type Addon = Omit<NativeGemm, 'tileRows'> & { isa(): string };

/** Loads the addon in this thread (main or worker), or returns null where it is absent or disabled. */
export async function loadNativeGemm(): Promise<NativeGemm | null> {
  if (!isNode() || process.env.DIGITS_NATIVE === '0') return null;
  try {
    const { createRequire } = await nodeBuiltin<typeof import('node:module')>('node:module');
    const { existsSync } = await nodeBuiltin<typeof import('node:fs')>('node:fs');
    // Beside the compiled module in dist/kernels/; when running from src/ (tests), in ../../dist/kernels/.
    let url = new URL(/* @vite-ignore */ './digits-native.node', import.meta.url);
    if (!existsSync(url)) url = new URL(/* @vite-ignore */ '../../dist/kernels/digits-native.node', import.meta.url);
    if (!existsSync(url)) return null;
    const addon = createRequire(import.meta.url)(url.pathname) as Addon;
    const isa = addon.isa();
    if (isa === 'none') return null;
    return {
      isa,
      tileRows: isa === 'avx512' ? 12 : 6,
      bind: addon.bind,
      gemm: addon.gemm,
      convReluMaxPool: addon.convReluMaxPool,
      convReluMaxPoolBackward: addon.convReluMaxPoolBackward,
    };
  } catch {
    return null;
  }
}

/**
 * The buffer the addon addresses in this thread. One per thread, not per kernels: two models in one process (a
 * digit model and its verifier, an ensemble) each have a memory, and a call must re-bind whenever the last one
 * bound in this thread was another's.
 */
let bound: ArrayBufferLike | null = null;

/**
 * The WASM part-kernels with `gemm` taken by the native addon. The addon addresses the memory through a view
 * bound per thread; it is re-bound whenever the thread last bound another memory, or this one has grown (a grown
 * memory has a new buffer object).
 */
export function withNativeGemm(wasm: PartKernels, memory: WebAssembly.Memory, native: NativeGemm): PartKernels {
  const bind = () => {
    const buffer = memory.buffer;
    if (buffer !== bound) {
      native.bind(new Uint8Array(buffer));
      bound = buffer;
    }
  };
  return {
    ...wasm,
    gemmRowAlign: native.tileRows,
    gemm(ta, tb, m, n, k, a, b, c, acc, bias, relu, _work, r0, r1) {
      bind();
      native.gemm(ta, tb, m, n, k, a, b, c, acc, bias, relu, r0, r1);
    },
    // The images are not passed to part-kernels; the addon checks regions against the batch the window implies.
    convReluMaxPool(g, pg, x, w, bias, y, arg, b0, b1) {
      bind();
      if (!native.convReluMaxPool(g, pg, x, w, bias, y, arg, b1, b0, b1))
        wasm.convReluMaxPool(g, pg, x, w, bias, y, arg, b0, b1);
    },
    convReluMaxPoolBackward(g, pg, n, x, dy, arg, pw, pb, work, k0, k1) {
      bind();
      if (!native.convReluMaxPoolBackward(g, pg, n, x, dy, arg, pw, pb, k0, k1))
        wasm.convReluMaxPoolBackward(g, pg, n, x, dy, arg, pw, pb, work, k0, k1);
    },
  };
}
