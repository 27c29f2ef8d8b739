import { beforeAll, describe, expect, it } from 'vitest';
import { Heap, loadNativeGemm, ReferenceKernels, WasmKernels, type Kernels } from '../../src/kernels/index.js';
import { expectGemmMatches, GEMM_SHAPES, TRANSPOSES } from '../helpers/gemm-cases.js';

// The native addon picks its widest tile; on an AVX-512 machine the AVX2 tile would go untested. The addon reads
// DIGITS_NATIVE when it loads, and each test file runs in a process of its own.
process.env.DIGITS_NATIVE = 'avx2';
const native = await loadNativeGemm();

describe.skipIf(!native)('native GEMM, AVX2 tile, vs reference', () => {
  const p = {} as { fast: Kernels; ref: Kernels };
  beforeAll(async () => {
    p.fast = await WasmKernels.create('relaxed', 1, true, true);
    p.ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
  });

  it('runs the AVX2 tile', () => {
    expect(native!.isa).toBe('avx2');
    expect(p.fast.name).toBe('wasm-relaxed-simd+native-avx2');
  });

  for (const [m, k, n] of GEMM_SHAPES)
    for (const [ta, tb] of TRANSPOSES)
      it(`gemm ${m}x${k}x${n} transA=${ta} transB=${tb}`, () => expectGemmMatches(p.fast, p.ref, m, k, n, ta, tb));
});
