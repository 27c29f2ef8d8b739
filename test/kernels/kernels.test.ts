import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKernels,
  Heap,
  loadNativeGemm,
  ReferenceKernels,
  WasmKernels,
  type Kernels,
  type Ptr,
} from '../../src/kernels/index.js';
import { expectGemmMatches, GEMM_SHAPES, TRANSPOSES } from '../helpers/gemm-cases.js';
import { maxRelError, randomFloats } from '../helpers/random.js';

/**
 * Every WASM kernel against the TypeScript reference on random inputs. The reference runs on its own heap;
 * inputs are copied to both, outputs compared with relative error < 1e-5.
 */
const native = await loadNativeGemm();
/** The two WASM builds, and the native GEMM (on the relaxed build) where it was built. */
const variants = [
  { variant: 'simd', native: false },
  { variant: 'relaxed', native: false },
  ...(native ? [{ variant: 'relaxed', native: true } as const] : []),
] as const;

interface Pair {
  wasm: Kernels;
  ref: Kernels;
}

function put(k: Kernels, data: Float32Array | Uint8Array | Int32Array): Ptr {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return k.heap.allocBytes(bytes);
}

function both(p: Pair, data: Float32Array | Uint8Array | Int32Array): [Ptr, Ptr] {
  return [put(p.wasm, data), put(p.ref, data)];
}

function readF32(k: Kernels, ptr: Ptr, n: number): Float32Array {
  return k.heap.f32(ptr, n).slice();
}

for (const { variant, native: useNative } of variants) {
  describe(`WASM kernels (${variant}${useNative ? ' + native GEMM' : ''}) vs reference`, () => {
    const p = {} as Pair;
    beforeAll(async () => {
      p.wasm = await WasmKernels.create(variant, 1, true, useNative);
      p.ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    });

    it('loads the requested variant', () => {
      const base = variant === 'relaxed' ? 'wasm-relaxed-simd' : 'wasm-simd';
      expect(p.wasm.name).toBe(useNative ? `${base}+native-${native?.isa}` : base);
    });

    for (const [m, k, n] of GEMM_SHAPES)
      for (const [ta, tb] of TRANSPOSES)
        it(`gemm ${m}x${k}x${n} transA=${ta} transB=${tb}`, () => expectGemmMatches(p.wasm, p.ref, m, k, n, ta, tb));

    it('gemm with k = 0 leaves only the epilogue', () => {
      const bias = new Float32Array([1, -2, 3]);
      const [bw] = both(p, bias);
      const cw = put(p.wasm, new Float32Array(6).fill(9));
      p.wasm.gemm(false, false, 2, 3, 0, 0, 0, cw, false, bw, true);
      expect(Array.from(readF32(p.wasm, cw, 6))).toEqual([1, 0, 3, 1, 0, 3]);
    });

    it('elementwise ops: relu, reluBackward, mul, copy', () => {
      for (const n of [1, 5, 16, 1027]) {
        const x = randomFloats(n, n);
        const d = randomFloats(n, n + 1);
        const [xw, xr] = both(p, x);
        const [dw, dr] = both(p, d);
        const yw = p.wasm.heap.allocF32(n);
        const yr = p.ref.heap.allocF32(n);
        p.wasm.relu(xw, yw, n);
        p.ref.relu(xr, yr, n);
        expect(readF32(p.wasm, yw, n)).toEqual(readF32(p.ref, yr, n));
        p.wasm.reluBackward(dw, xw, yw, n);
        p.ref.reluBackward(dr, xr, yr, n);
        expect(readF32(p.wasm, yw, n)).toEqual(readF32(p.ref, yr, n));
        p.wasm.mul(xw, dw, yw, n);
        p.ref.mul(xr, dr, yr, n);
        expect(readF32(p.wasm, yw, n)).toEqual(readF32(p.ref, yr, n));
        p.wasm.copy(dw, yw, n);
        expect(readF32(p.wasm, yw, n)).toEqual(d);
      }
    });

    it('dropout: identical masks, about the requested rate, inverted scaling', () => {
      const n = 20_000;
      const x = randomFloats(n, 9);
      const [xw, xr] = both(p, x);
      const yw = p.wasm.heap.allocF32(n);
      const yr = p.ref.heap.allocF32(n);
      const mw = p.wasm.heap.allocF32(n);
      const mr = p.ref.heap.allocF32(n);
      p.wasm.dropout(xw, yw, mw, n, 0.2, 12345);
      p.ref.dropout(xr, yr, mr, n, 0.2, 12345);
      const mask = readF32(p.wasm, mw, n);
      expect(mask).toEqual(readF32(p.ref, mr, n));
      expect(readF32(p.wasm, yw, n)).toEqual(readF32(p.ref, yr, n));
      const dropped = mask.filter((v) => v === 0).length / n;
      expect(dropped).toBeGreaterThan(0.19);
      expect(dropped).toBeLessThan(0.21);
      expect(mask.every((v) => v === 0 || Math.abs(v - 1.25) < 1e-6)).toBe(true);
    });

    it('colSum, softmax, argmax, countCorrect', () => {
      for (const [m, n] of [
        [1, 1],
        [3, 10],
        [129, 13],
      ]) {
        const x = randomFloats(m * n, m * 31 + n, -5, 5);
        const [xw, xr] = both(p, x);
        const ow = p.wasm.heap.allocF32(m * n);
        const or = p.ref.heap.allocF32(m * n);
        p.wasm.colSum(xw, m, n, ow, false);
        p.ref.colSum(xr, m, n, or, false);
        expect(maxRelError(readF32(p.wasm, ow, n), readF32(p.ref, or, n))).toBeLessThan(1e-5);
        p.wasm.colSum(xw, m, n, ow, true);
        p.ref.colSum(xr, m, n, or, true);
        expect(maxRelError(readF32(p.wasm, ow, n), readF32(p.ref, or, n))).toBeLessThan(1e-5);
        p.wasm.softmax(xw, ow, m, n);
        p.ref.softmax(xr, or, m, n);
        expect(maxRelError(readF32(p.wasm, ow, m * n), readF32(p.ref, or, m * n))).toBeLessThan(1e-5);
        const aw = p.wasm.heap.alloc(m * 4);
        const ar = p.ref.heap.alloc(m * 4);
        p.wasm.argmaxRows(xw, m, n, aw);
        p.ref.argmaxRows(xr, m, n, ar);
        expect(p.wasm.heap.i32(aw, m).slice()).toEqual(p.ref.heap.i32(ar, m).slice());
        const labels = Uint8Array.from({ length: m }, (_, i) => i % n);
        const [lw, lr] = both(p, labels);
        expect(p.wasm.countCorrect(xw, m, n, lw)).toBe(p.ref.countCorrect(xr, m, n, lr));
      }
    });

    it('softmax cross-entropy, sparse and dense targets, with gradients', () => {
      const m = 37;
      const n = 10;
      const z = randomFloats(m * n, 77, -20, 20);
      const labels = Uint8Array.from({ length: m }, (_, i) => (i * 7) % n);
      const [zw, zr] = both(p, z);
      const [lw, lr] = both(p, labels);
      const dw = p.wasm.heap.allocF32(m * n);
      const dr = p.ref.heap.allocF32(m * n);
      const lossW = p.wasm.softmaxCrossEntropy(zw, lw, 0, m, n, dw, 1 / m);
      const lossR = p.ref.softmaxCrossEntropy(zr, lr, 0, m, n, dr, 1 / m);
      expect(Math.abs(lossW - lossR) / lossR).toBeLessThan(1e-5);
      expect(maxRelError(readF32(p.wasm, dw, m * n), readF32(p.ref, dr, m * n))).toBeLessThan(1e-5);
      const tw = p.wasm.heap.allocF32(m * n);
      p.wasm.oneHot(lw, m, n, tw);
      const tr = p.ref.heap.allocF32(m * n);
      p.ref.oneHot(lr, m, n, tr);
      expect(readF32(p.wasm, tw, m * n)).toEqual(readF32(p.ref, tr, m * n));
      const dense = p.wasm.softmaxCrossEntropy(zw, 0, tw, m, n, dw, 1 / m);
      expect(Math.abs(dense - lossW) / lossW).toBeLessThan(1e-6);
      expect(maxRelError(readF32(p.wasm, dw, m * n), readF32(p.ref, dr, m * n))).toBeLessThan(1e-5);
    });

    it('gatherScale and gatherLabels', () => {
      const rows = 50;
      const rowLen = 785; // not a multiple of 16: exercises the tail
      const src = Uint8Array.from({ length: rows * rowLen }, (_, i) => (i * 37) % 256);
      const labels = Uint8Array.from({ length: rows }, (_, i) => i % 10);
      const idx = Int32Array.from({ length: 20 }, (_, i) => (i * 13) % rows);
      const [sw, sr] = both(p, src);
      const [lw, lr] = both(p, labels);
      const [iw, ir] = both(p, idx);
      const dw = p.wasm.heap.allocF32(20 * rowLen);
      const dr = p.ref.heap.allocF32(20 * rowLen);
      p.wasm.gatherScale(sw, iw, 20, rowLen, dw, 1 / 255);
      p.ref.gatherScale(sr, ir, 20, rowLen, dr, 1 / 255);
      expect(readF32(p.wasm, dw, 20 * rowLen)).toEqual(readF32(p.ref, dr, 20 * rowLen));
      // With a shift, (x − mean) / std style: x · (1 / (255 · 0.3081)) − 0.1307 / 0.3081.
      p.wasm.gatherScale(sw, iw, 20, rowLen, dw, 1 / (255 * 0.3081), -0.1307 / 0.3081);
      p.ref.gatherScale(sr, ir, 20, rowLen, dr, 1 / (255 * 0.3081), -0.1307 / 0.3081);
      const shifted = readF32(p.wasm, dw, 20 * rowLen);
      expect(shifted).toEqual(readF32(p.ref, dr, 20 * rowLen));
      expect(shifted[0]).toBeCloseTo((src[idx[0] * rowLen] / 255 - 0.1307) / 0.3081, 5);
      const ow = p.wasm.heap.alloc(20);
      const or = p.ref.heap.alloc(20);
      p.wasm.gatherLabels(lw, iw, 20, ow);
      p.ref.gatherLabels(lr, ir, 20, or);
      expect(p.wasm.heap.u8(ow, 20).slice()).toEqual(p.ref.heap.u8(or, 20).slice());
      expect(p.wasm.heap.u8(ow, 20)[3]).toBe(labels[idx[3]]);
    });

    it('activeColumns, gatherColumns, gatherRows, scatterRows', () => {
      const m = 9;
      const n = 67; // not a multiple of 4: exercises the tail
      // Sparse like an image batch: columns blank in every row, -0 (blank too), a NaN and a value in the tail.
      const x = Float32Array.from({ length: m * n }, (_, i) => ((i % n) % 3 === 0 && i % 5 === 0 ? i / 7 : 0));
      x[2 * n + 1] = -0;
      x[4 * n + 2] = NaN;
      x[8 * n + 65] = -3;
      const expected = [...Array(n).keys()].filter((c) =>
        Array.from({ length: m }, (_, r) => x[r * n + c]).some((v) => v !== 0),
      );
      expect(expected).toContain(2);
      expect(expected).toContain(65);
      expect(expected).not.toContain(1);
      const [xw, xr] = both(p, x);
      const iw = p.wasm.heap.alloc(n * 4);
      const ir = p.ref.heap.alloc(n * 4);
      const k = p.wasm.activeColumns(xw, m, n, iw);
      expect(k).toBe(expected.length);
      expect(p.ref.activeColumns(xr, m, n, ir)).toBe(k);
      expect(Array.from(p.wasm.heap.i32(iw, k))).toEqual(expected);
      expect(Array.from(p.ref.heap.i32(ir, k))).toEqual(expected);
      // An all-blank batch has no active column.
      const blank = p.wasm.heap.allocF32(m * n);
      expect(p.wasm.activeColumns(blank, m, n, iw)).toBe(0);
      p.wasm.activeColumns(xw, m, n, iw);

      const gw = p.wasm.heap.allocF32(m * k);
      const gr = p.ref.heap.allocF32(m * k);
      p.wasm.gatherColumns(xw, m, n, iw, k, gw);
      p.ref.gatherColumns(xr, m, n, ir, k, gr);
      const gathered = readF32(p.wasm, gw, m * k);
      expect(gathered).toEqual(readF32(p.ref, gr, m * k));
      expect(gathered[8 * k + k - 1]).toBe(x[8 * n + expected[k - 1]]);

      // Rows of a weight matrix (n rows of 5), gathered, then scattered back into zeros.
      const w = randomFloats(n * 5, 3);
      const [ww, wr] = both(p, w);
      const rw = p.wasm.heap.allocF32(k * 5);
      const rr = p.ref.heap.allocF32(k * 5);
      p.wasm.gatherRows(ww, 5, iw, k, rw);
      p.ref.gatherRows(wr, 5, ir, k, rr);
      expect(readF32(p.wasm, rw, k * 5)).toEqual(readF32(p.ref, rr, k * 5));
      expect(Array.from(readF32(p.wasm, rw, k * 5).subarray(5, 10))).toEqual(
        Array.from(w.subarray(expected[1] * 5, expected[1] * 5 + 5)),
      );
      p.wasm.scatterRows(rw, 5, iw, k, n, ww);
      p.ref.scatterRows(rr, 5, ir, k, n, wr);
      const scattered = readF32(p.wasm, ww, n * 5);
      expect(scattered).toEqual(readF32(p.ref, wr, n * 5));
      for (let c = 0; c < n; c++)
        expect(Array.from(scattered.subarray(c * 5, c * 5 + 5))).toEqual(
          expected.includes(c) ? Array.from(w.subarray(c * 5, c * 5 + 5)) : [0, 0, 0, 0, 0],
        );
    });

    it('optimizer updates: adam, sgd (plain, momentum, nesterov), rmsprop', () => {
      const n = 1031;
      const init = randomFloats(n, 5);
      const g = randomFloats(n, 6);
      const slotsInit = randomFloats(n, 7, 0, 1);
      const run = (f: (k: Kernels, pp: Ptr, gp: Ptr, s1: Ptr, s2: Ptr) => void) => {
        const out: Float32Array[] = [];
        for (const k of [p.wasm, p.ref]) {
          const pp = put(k, init);
          const gp = put(k, g);
          const s1 = put(k, slotsInit);
          const s2 = put(k, slotsInit);
          f(k, pp, gp, s1, s2);
          f(k, pp, gp, s1, s2);
          out.push(readF32(k, pp, n), readF32(k, s1, n), readF32(k, s2, n));
        }
        for (let i = 0; i < 3; i++) expect(maxRelError(out[i], out[i + 3])).toBeLessThan(1e-5);
      };
      run((k, pp, gp, s1, s2) => k.adam(pp, gp, s1, s2, n, 0.01, 0.9, 0.999, 1e-7));
      run((k, pp, gp) => k.sgd(pp, gp, 0, n, 0.1, 0, false));
      run((k, pp, gp, s1) => k.sgd(pp, gp, s1, n, 0.1, 0.9, false));
      run((k, pp, gp, s1) => k.sgd(pp, gp, s1, n, 0.1, 0.9, true));
      run((k, pp, gp, s1) => k.rmsprop(pp, gp, s1, n, 0.01, 0.9, 1e-7));
    });
  });
}

describe('createKernels', () => {
  it('gives the reference backend on request and WASM by default', async () => {
    expect((await createKernels({ backend: 'reference' })).name).toBe('reference');
    expect((await createKernels()).name).toMatch(/^wasm/);
  });
});

describe('WASM kernels on 2 threads', () => {
  it('split large ops across workers with results identical to 1 thread and close to the reference', async () => {
    const one = await WasmKernels.create('relaxed', 1);
    const two = await WasmKernels.create('relaxed', 2);
    const ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    expect(two.threads).toBe(2);
    try {
      const all = [one, two, ref];
      const put3 = (d: Float32Array | Uint8Array | Int32Array) => all.map((k) => put(k, d));
      const read3 = (ptrs: Ptr[], n: number) => all.map((k, i) => readF32(k, ptrs[i], n));
      const expectSame = (ptrs: Ptr[], n: number) => {
        const [a, b, r] = read3(ptrs, n);
        expect(b).toEqual(a);
        expect(maxRelError(b, r)).toBeLessThan(1e-5);
      };
      for (const [m, k, n, ta, tb] of [
        [129, 785, 511, false, false],
        [784, 128, 512, true, false],
        [128, 512, 784, false, true],
      ] as const) {
        const a = put3(randomFloats(m * k, 1));
        const b = put3(randomFloats(k * n, 2));
        const bias = put3(randomFloats(n, 3));
        const c = put3(new Float32Array(m * n));
        all.forEach((kk, i) => kk.gemm(ta, tb, m, n, k, a[i], b[i], c[i], false, bias[i], true));
        expectSame(c, m * n);
      }
      // Few rows over a long k (a first convolution's weight gradient): summed as two halves of k, the same way
      // on one thread as on two, accumulating into C.
      for (const [m, k, n] of [
        [9, 20_000, 32],
        [5, 6_000, 64],
      ] as const) {
        const a = put3(randomFloats(k * m, 8));
        const b = put3(randomFloats(k * n, 9));
        const c = put3(randomFloats(m * n, 10));
        all.forEach((kk, i) => kk.gemm(true, false, m, n, k, a[i], b[i], c[i], true, 0, false));
        expectSame(c, m * n);
      }
      const n = 100_003;
      const x = put3(randomFloats(n, 4));
      const g = put3(randomFloats(n, 5));
      const s1 = put3(randomFloats(n, 6, 0, 1));
      const s2 = put3(randomFloats(n, 7, 0, 1));
      const y = put3(new Float32Array(n));
      all.forEach((kk, i) => kk.relu(x[i], y[i], n));
      expectSame(y, n);
      all.forEach((kk, i) => kk.reluBackward(g[i], x[i], y[i], n));
      expectSame(y, n);
      all.forEach((kk, i) => kk.mul(x[i], g[i], y[i], n));
      expectSame(y, n);
      all.forEach((kk, i) => kk.dropout(x[i], y[i], s2[i], n, 0.3, 99));
      expectSame(y, n);
      all.forEach((kk, i) => kk.colSum(x[i], 131, 763, y[i], false));
      expectSame(y, 763);
      all.forEach((kk, i) => kk.softmax(x[i], y[i], 1000, 100));
      expectSame(y, n - 3);
      all.forEach((kk, i) => kk.adam(x[i], g[i], s1[i], s2[i], n, 0.01, 0.9, 0.999, 1e-7));
      expectSame(x, n);
      all.forEach((kk, i) => kk.sgd(x[i], g[i], s1[i], n, 0.1, 0.9, true));
      expectSame(x, n);
      all.forEach((kk, i) => kk.rmsprop(x[i], g[i], s1[i], n, 0.01, 0.9, 1e-7));
      expectSame(x, n);
      const rows = 300;
      const src = put3(Uint8Array.from({ length: rows * 784 }, (_, i) => (i * 31) % 256));
      const idx = put3(Int32Array.from({ length: rows }, (_, i) => (i * 7) % rows));
      const dst = put3(new Float32Array(rows * 784));
      all.forEach((kk, i) => kk.gatherScale(src[i], idx[i], rows, 784, dst[i], 1 / 255));
      expectSame(dst, rows * 784);
    } finally {
      await two.dispose();
    }
  });
});

describe('split-k GEMM', () => {
  it('keeps its scratch out of memory that models reuse between plans', async () => {
    const k = await WasmKernels.create('relaxed', 2);
    try {
      const [m, n, kk] = [9, 32, 8192];
      const a = put(k, randomFloats(kk * m, 1));
      const b = put(k, randomFloats(kk * n, 2));
      const c = put(k, new Float32Array(m * n));
      const mark = k.heap.mark();
      k.gemm(true, false, m, n, kk, a, b, c, false, 0, false);
      const first = readF32(k, c, m * n);
      // A model re-planning frees what came after its mark and allocates again: nothing may write there.
      k.heap.reset(mark);
      const live = put(k, new Float32Array(4096).fill(7));
      k.gemm(true, false, m, n, kk, a, b, c, false, 0, false);
      expect(readF32(k, live, 4096).every((v) => v === 7)).toBe(true);
      expect(readF32(k, c, m * n)).toEqual(first);
    } finally {
      await k.dispose();
    }
  });
});

describe.skipIf(!native)('native GEMM', () => {
  it('gives the same bits as the WebAssembly GEMM (same k blocks, same order of sums)', async () => {
    const fast = await WasmKernels.create('relaxed', 1, true, true);
    const plain = await WasmKernels.create('relaxed', 1, true, false);
    // k = 288 and 363 are single blocks (≤ KC_MAX), 784 is blocked by KC; transposes and a conv weight gradient.
    // n = 48, 80 and 13 end in a panel of at most half the tile's columns (the half-width tiles), with the bias +
    // ReLU epilogue on some.
    for (const [m, k, n, ta, tb, epilogue] of [
      [500, 288, 64, false, false, false],
      [288, 363, 64, true, false, false],
      [500, 64, 288, false, true, false],
      [130, 784, 70, false, false, false],
      [301, 800, 48, false, false, true],
      [1200, 301, 80, true, false, true],
      [77, 50, 13, false, true, false],
    ] as const) {
      const [a, b, bias] = [randomFloats(m * k, 1), randomFloats(k * n, 2), randomFloats(n, 3)];
      const [c1, c2] = [fast, plain].map((kn) => {
        const c = kn.heap.allocF32(m * n);
        kn.gemm(ta, tb, m, n, k, put(kn, a), put(kn, b), c, false, epilogue ? put(kn, bias) : 0, epilogue);
        return kn.heap.f32(c, m * n).slice();
      });
      expect(c1).toEqual(c2);
    }
    await fast.dispose();
  });

  it('refuses operands outside the memory with an error instead of reading them', () => {
    const view = new Uint8Array(new SharedArrayBuffer(4096));
    native!.bind(view);
    expect(() => native!.gemm(0, 0, 16, 16, 16, 0, 1024, 4000, 0, 0, 0, 0, 16)).toThrow(/outside the kernel memory/);
    expect(() => native!.gemm(0, 0, 4, 4, 4, 2, 1024, 2048, 0, 0, 0, 0, 4)).toThrow(/outside the kernel memory/);
    expect(() => native!.gemm(0, 0, 4, 4, 4, 0, 1024, 2048, 0, 0, 0, 0, 5)).toThrow(/out of range/);
    // The fused first layer: window blocks it cannot read are "not mine" (WebAssembly runs it); a batch whose
    // images or outputs do not fit is an error.
    const geo = new Int32Array(view.buffer, 0, 32);
    geo.set([28, 28, 1, 3, 3, 1, 1, 0, 0, 26, 26, 0]);
    geo.set([26, 26, 32, 2, 2, 2, 2, 0, 0, 13, 13, 0], 16);
    expect(native!.convReluMaxPool(0, 64, 128, 256, 0, 512, 1024, 0, 0, 0)).toBe(true); // no images: nothing to do
    expect(native!.convReluMaxPool(0, 4090, 128, 256, 0, 512, 1024, 1, 0, 1)).toBe(false);
    expect(() => native!.convReluMaxPool(0, 64, 128, 256, 0, 512, 1024, 1, 0, 1)).toThrow(/outside the kernel memory/);
    expect(() => native!.convReluMaxPoolBackward(0, 64, 1, 128, 256, 512, 1024, 2048, 0, 1)).toThrow(
      /outside the kernel memory/,
    );
  });

  it('keeps two kernels in one thread apart (each call addresses its own memory)', async () => {
    // A digit model and its verifier, or ensemble members, alternate in one thread.
    const ks = [await WasmKernels.create('relaxed', 1, true, true), await WasmKernels.create('relaxed', 1, true, true)];
    const ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    try {
      const [m, kk, n] = [30, 40, 20];
      const inputs = ks.map((_, i) => [randomFloats(m * kk, 10 + i), randomFloats(kk * n, 20 + i)]);
      const ptrs = ks.map((k, i) => ({ a: put(k, inputs[i][0]), b: put(k, inputs[i][1]), c: k.heap.allocF32(m * n) }));
      for (let round = 0; round < 2; round++)
        for (const [i, k] of ks.entries()) {
          const { a, b, c } = ptrs[i];
          k.heap.f32(c, m * n).fill(0);
          k.gemm(false, false, m, n, kk, a, b, c, false, 0, false);
          const rc = ref.heap.allocF32(m * n);
          ref.gemm(false, false, m, n, kk, put(ref, inputs[i][0]), put(ref, inputs[i][1]), rc, false, 0, false);
          expect(maxRelError(readF32(k, c, m * n), readF32(ref, rc, m * n))).toBeLessThan(1e-5);
        }
    } finally {
      for (const k of ks) await k.dispose();
    }
  });

  it('follows the memory when it grows between calls', async () => {
    const k = await WasmKernels.create('relaxed', 1, true, true);
    const ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    const [m, kk, n] = [40, 50, 60];
    const a = randomFloats(m * kk, 1);
    const b = randomFloats(kk * n, 2);
    const pc = [k.heap.allocF32(m * n), ref.heap.allocF32(m * n)];
    k.gemm(false, false, m, n, kk, put(k, a), put(k, b), pc[0], false, 0, false);
    const before = k.heap.memory.buffer.byteLength;
    k.heap.allocF32(64 << 20); // grows the memory by 256 MB
    expect(k.heap.memory.buffer.byteLength).toBeGreaterThan(before);
    const pa = [put(k, a), put(ref, a)];
    const pb = [put(k, b), put(ref, b)];
    k.gemm(false, false, m, n, kk, pa[0], pb[0], pc[0], false, 0, false);
    ref.gemm(false, false, m, n, kk, pa[1], pb[1], pc[1], false, 0, false);
    expect(maxRelError(readF32(k, pc[0], m * n), readF32(ref, pc[1], m * n))).toBeLessThan(1e-5);
  });
});

describe('without SharedArrayBuffer', () => {
  it('falls back to the unshared build on one thread, with the same results', async () => {
    const k = await WasmKernels.create('relaxed', 2, false);
    expect(k.threads).toBe(1);
    expect(k.heap.memory.buffer).toBeInstanceOf(ArrayBuffer);
    const ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    const [m, kk, n] = [33, 70, 45];
    const a = randomFloats(m * kk, 1);
    const b = randomFloats(kk * n, 2);
    const pa = [put(k, a), put(ref, a)];
    const pb = [put(k, b), put(ref, b)];
    const pc = [k.heap.allocF32(m * n), ref.heap.allocF32(m * n)];
    k.gemm(false, false, m, n, kk, pa[0], pb[0], pc[0], false, 0, true);
    ref.gemm(false, false, m, n, kk, pa[1], pb[1], pc[1], false, 0, true);
    expect(maxRelError(readF32(k, pc[0], m * n), readF32(ref, pc[1], m * n))).toBeLessThan(1e-5);
  });
});
