import { beforeAll, describe, expect, it } from 'vitest';
import { Heap, loadNativeGemm, ReferenceKernels, WasmKernels, type Kernels } from '../../src/kernels/index.js';
import { convPoolPartialFloats } from '../../src/kernels/kernels.js';
import { makeWindow, writeWindow } from '../../src/kernels/window.js';
import { Rng } from '../../src/nn/rng.js';
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

describe.skipIf(!native)('native fused first layer, AVX2, vs reference', () => {
  it('convReluMaxPool and its backward on the MNIST shape', async () => {
    const fast = await WasmKernels.create('relaxed', 2, true, true);
    const ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    const conv = makeWindow({ h: 28, w: 28, c: 1 }, [3, 3], [1, 1], 'valid');
    const pool = makeWindow({ h: 26, w: 26, c: 16 }, [2, 2], [2, 2], 'valid');
    const n = 11;
    const out = n * 13 * 13 * 16;
    const rng = new Rng(3);
    const eighths = (len: number) => Float32Array.from({ length: len }, () => Math.round((rng.next() * 2 - 1) * 8) / 8);
    const [x, w, bias, dy] = [eighths(n * 784), eighths(9 * 16), eighths(16), eighths(out)];
    const results = [fast, ref].map((k) => {
      const put = (a: Float32Array) => k.heap.allocBytes(new Uint8Array(a.buffer));
      const [g, pg] = [writeWindow(k.heap, conv), writeWindow(k.heap, pool)];
      const [px, pw, pb, pdy] = [x, w, bias, dy].map(put);
      const [y, arg] = [k.heap.allocF32(out), k.heap.alloc(out * 4)];
      k.convReluMaxPool(g, pg, n, px, pw, pb, y, arg);
      if (k === fast) {
        // The addon takes this shape itself (false would mean the WebAssembly kernel ran instead).
        native!.bind(new Uint8Array(k.heap.memory.buffer));
        expect(native!.convReluMaxPool(g, pg, px, pw, pb, y, arg, n, 0, n)).toBe(true);
      }
      const [dw, db] = [k.heap.allocF32(9 * 16), k.heap.allocF32(16)];
      k.convReluMaxPoolBackward(g, pg, n, px, pdy, arg, dw, db, k.heap.allocF32(convPoolPartialFloats(n, 9, 16)));
      return [k.heap.f32(y, out), k.heap.i32(arg, out), k.heap.f32(dw, 144), k.heap.f32(db, 16)].map((a) => a.slice());
    });
    await fast.dispose();
    expect(fast.name).toBe('wasm-relaxed-simd+native-avx2');
    expect(results[0]).toEqual(results[1]);
  });
});
