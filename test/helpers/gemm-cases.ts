import { expect } from 'vitest';
import type { Kernels, Ptr } from '../../src/kernels/index.js';
import { maxRelError, randomFloats } from './random.js';

/**
 * GEMM shapes [m, k, n] that reach every path of the GEMMs: tiny and ragged edges, K longer than a block, wide C
 * (packed A) and narrow C (1–4 column panels, A read in place, K taken whole or in blocks), partial row tiles.
 */
export const GEMM_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [4, 8, 256],
  [33, 17, 300],
  [129, 785, 511],
  [128, 10, 512],
  [50, 800, 32],
  [37, 300, 64],
  [25, 1200, 128],
  [13, 2, 97],
];

export const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

function put(k: Kernels, data: Float32Array): Ptr {
  return k.heap.allocBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Runs op(A)·op(B) (+ C, + bias, ReLU in three combinations) on both kernels; results agree to 1e-5. */
export function expectGemmMatches(
  fast: Kernels,
  ref: Kernels,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
): void {
  const a = randomFloats(m * k, 1 + m);
  const b = randomFloats(k * n, 2 + n);
  const c0 = randomFloats(m * n, 3);
  const bias = randomFloats(n, 4);
  const [af, ar] = [put(fast, a), put(ref, a)];
  const [bf, br] = [put(fast, b), put(ref, b)];
  for (const [acc, useBias, relu] of [
    [false, false, false],
    [true, true, true],
    [false, true, false],
  ] as const) {
    const [cf, cr] = [put(fast, c0), put(ref, c0)];
    const [biasF, biasR] = [put(fast, bias), put(ref, bias)];
    fast.gemm(ta, tb, m, n, k, af, bf, cf, acc, useBias ? biasF : 0, relu);
    ref.gemm(ta, tb, m, n, k, ar, br, cr, acc, useBias ? biasR : 0, relu);
    expect(maxRelError(fast.heap.f32(cf, m * n).slice(), ref.heap.f32(cr, m * n).slice())).toBeLessThan(1e-5);
  }
}
