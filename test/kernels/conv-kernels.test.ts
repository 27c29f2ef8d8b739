import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Heap,
  loadNativeGemm,
  ReferenceKernels,
  WasmKernels,
  type Kernels,
  type Ptr,
} from '../../src/kernels/index.js';
import { convPartialFloats, convPoolPartialFloats } from '../../src/kernels/kernels.js';
import { makeWindow, writeWindow, type Window } from '../../src/kernels/window.js';
import { Rng } from '../../src/nn/rng.js';

/**
 * Convolution kernels. convForward / convBackward (blocked im2col + GEMM): WASM (1 and 2 threads) against the
 * reference. The fused convolution + bias + ReLU + max pooling kernel and its backward: WASM against the
 * reference, and the reference against the unfused composition (im2col, GEMM with bias and ReLU, maxPool after
 * a ReLU; maxPoolBackward, then Aᵀ·B and column sums). Every value is a multiple of 1/8 with small sums, so
 * float results are exact whatever the summation order, and equal ties are broken the same way.
 */

function put(k: Kernels, data: Float32Array | Int32Array): Ptr {
  return k.heap.allocBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** Multiples of 1/8 in [−range, range]. */
function eighths(n: number, seed: number, range = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => Math.round((rng.next() * 2 - 1) * range * 8) / 8);
}

interface Case {
  name: string;
  conv: Window;
  pool: [number, number, number]; // size, stride, filters
  n: number;
}

const cases: Case[] = [
  // MNIST's first layer: both 2×2 fast paths.
  {
    name: '28×28×1 3×3, pool 2',
    conv: makeWindow({ h: 28, w: 28, c: 1 }, [3, 3], [1, 1], 'valid'),
    pool: [2, 2, 32],
    n: 13,
  },
  // Five kernel rows: the general backward.
  {
    name: '20×18×1 5×5, pool 2',
    conv: makeWindow({ h: 20, w: 18, c: 1 }, [5, 5], [1, 1], 'valid'),
    pool: [2, 2, 8],
    n: 9,
  },
  // Padding: border windows take the general forward.
  {
    name: '12×11×3 3×3 same, pool 2',
    conv: makeWindow({ h: 12, w: 11, c: 3 }, [3, 3], [1, 1], 'same'),
    pool: [2, 2, 16],
    n: 5,
  },
  // A 3×3 pool, and a strided convolution under a pool with gaps.
  {
    name: '15×15×1 3×3, pool 3',
    conv: makeWindow({ h: 15, w: 15, c: 1 }, [3, 3], [1, 1], 'valid'),
    pool: [3, 3, 8],
    n: 3,
  },
  {
    name: '17×17×2 2×2 stride 2, pool 2 stride 3',
    conv: makeWindow({ h: 17, w: 17, c: 2 }, [2, 2], [2, 2], 'valid'),
    pool: [2, 3, 8],
    n: 17,
  },
];

function poolWindow(c: Case): Window {
  const [size, stride, f] = c.pool;
  return makeWindow({ h: c.conv.oh, w: c.conv.ow, c: f }, [size, size], [stride, stride], 'valid');
}

function fused(k: Kernels, c: Case, x: Float32Array, w: Float32Array, bias: Float32Array, dy: Float32Array) {
  const pool = poolWindow(c);
  const f = pool.c;
  const taps = c.conv.kh * c.conv.kw * c.conv.c;
  const out = c.n * pool.oh * pool.ow * f;
  const [g, pg] = [writeWindow(k.heap, c.conv), writeWindow(k.heap, pool)];
  const [px, pw, pb, pdy] = [x, w, bias, dy].map((v) => put(k, v));
  const y = put(k, new Float32Array(out).fill(7)); // garbage: must be overwritten
  const arg = k.heap.alloc(out * 4);
  k.convReluMaxPool(g, pg, c.n, px, pw, pb, y, arg);
  const dw = put(k, new Float32Array(taps * f).fill(3));
  const db = put(k, new Float32Array(f).fill(3));
  const partial = k.heap.allocF32(convPoolPartialFloats(c.n, taps, f));
  k.convReluMaxPoolBackward(g, pg, c.n, px, pdy, arg, dw, db, partial);
  return {
    y: k.heap.f32(y, out).slice(),
    arg: k.heap.i32(arg, out).slice(),
    dw: k.heap.f32(dw, taps * f).slice(),
    db: k.heap.f32(db, f).slice(),
  };
}

/** The same through the separate kernels the unfused layers use. */
function unfused(k: Kernels, c: Case, x: Float32Array, w: Float32Array, bias: Float32Array, dy: Float32Array) {
  const pool = { ...poolWindow(c), reluInput: 1 };
  const f = pool.c;
  const taps = c.conv.kh * c.conv.kw * c.conv.c;
  const rows = c.n * c.conv.oh * c.conv.ow;
  const out = c.n * pool.oh * pool.ow * f;
  const [g, pg] = [writeWindow(k.heap, c.conv), writeWindow(k.heap, pool)];
  const [px, pw, pb, pdy] = [x, w, bias, dy].map((v) => put(k, v));
  const cols = k.heap.allocF32(rows * taps);
  const z = k.heap.allocF32(rows * f);
  k.im2col(g, c.n, px, cols);
  k.gemm(false, false, rows, f, taps, cols, pw, z, false, pb, true);
  const y = k.heap.allocF32(out);
  const arg = k.heap.alloc(out * 4);
  k.maxPool(pg, c.n, z, y, arg);
  const dz = k.heap.allocF32(rows * f);
  k.maxPoolBackward(pg, c.n, pdy, arg, dz);
  const dw = k.heap.allocF32(taps * f);
  const db = k.heap.allocF32(f);
  k.gemm(true, false, taps, f, rows, cols, dz, dw, false, 0, false);
  k.colSum(dz, rows, f, db, false);
  // The flat index the pool records → the window position the fused kernel records.
  const flat = k.heap.i32(arg, out);
  const at = flat.map((a, i) => {
    if (a < 0) return -1;
    const cell = Math.floor(a / f) % (c.conv.oh * c.conv.ow);
    const [oy, ox] = [Math.floor(cell / c.conv.ow), cell % c.conv.ow];
    const p = Math.floor(i / f) % (pool.oh * pool.ow);
    const [py, px] = [Math.floor(p / pool.ow), p % pool.ow];
    return (oy - py * pool.sh) * pool.kw + (ox - px * pool.sw);
  });
  return {
    y: k.heap.f32(y, out).slice(),
    arg: at,
    dw: k.heap.f32(dw, taps * f).slice(),
    db: k.heap.f32(db, f).slice(),
  };
}

function inputs(c: Case, seed: number) {
  const pool = poolWindow(c);
  const f = pool.c;
  const taps = c.conv.kh * c.conv.kw * c.conv.c;
  return [
    eighths(c.n * c.conv.h * c.conv.w * c.conv.c, seed, 2),
    eighths(taps * f, seed + 1),
    eighths(f, seed + 2, 0.5),
    eighths(c.n * pool.oh * pool.ow * f, seed + 3),
  ] as const;
}

describe('convReluMaxPool: reference against the unfused kernels', () => {
  const ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
  for (const c of cases) {
    it(c.name, () => {
      const data = inputs(c, 40);
      const a = fused(ref, c, ...data);
      const b = unfused(ref, c, ...data);
      expect(a.y).toEqual(b.y);
      expect(a.arg).toEqual(b.arg);
      expect(a.dw).toEqual(b.dw);
      expect(a.db).toEqual(b.db);
      // Both dead windows (maximum ≤ 0) and routed ones occur.
      expect(a.arg.some((v) => v < 0)).toBe(true);
      expect(a.arg.some((v) => v >= 0)).toBe(true);
    });
  }
});

// With the native addon (where built) its fused kernels take the MNIST shape; without it, WebAssembly does all.
for (const [threads, native] of [
  [1, true],
  [2, true],
  [1, false],
  [2, false],
] as const) {
  describe(`convReluMaxPool: ${native ? 'native + ' : ''}WASM on ${threads} thread(s) against the reference`, () => {
    let wasm: WasmKernels;
    const ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    beforeAll(async () => {
      wasm = await WasmKernels.create('relaxed', threads, undefined, native);
      expect(wasm.name.includes('native')).toBe(native && (await loadNativeGemm()) !== null);
    });
    afterAll(async () => wasm.dispose());
    for (const c of cases) {
      it(c.name, () => {
        const data = inputs(c, 50);
        const a = fused(wasm, c, ...data);
        const b = fused(ref, c, ...data);
        expect(a.y).toEqual(b.y);
        expect(a.arg).toEqual(b.arg);
        expect(a.dw).toEqual(b.dw);
        expect(a.db).toEqual(b.db);
      });
    }
  });
}

const convCases: [string, Window, number, number][] = [
  // name, window, filters, images (not a multiple of the 8-image gradient block)
  ['13×13×32 3×3 valid (cnn conv2)', makeWindow({ h: 13, w: 13, c: 32 }, [3, 3], [1, 1], 'valid'), 64, 9],
  ['12×12×6 5×5 same stride 2', makeWindow({ h: 12, w: 12, c: 6 }, [5, 5], [2, 2], 'same'), 8, 11],
  ['9×7×3 3×2 same', makeWindow({ h: 9, w: 7, c: 3 }, [3, 2], [1, 1], 'same'), 5, 3],
];

function conv(k: Kernels, win: Window, f: number, n: number, seed: number, withDx: boolean) {
  const taps = win.kh * win.kw * win.c;
  const rows = n * win.oh * win.ow;
  const inSize = n * win.h * win.w * win.c;
  const g = writeWindow(k.heap, win);
  const [x, w, bias, dz] = [
    eighths(inSize, seed, 2),
    eighths(taps * f, seed + 1),
    eighths(f, seed + 2),
    eighths(rows * f, seed + 3),
  ].map((v) => put(k, v));
  // Exactly the scratch the backend asks for, then a guard that must come through untouched.
  const cols = k.heap.allocF32(Math.max(1, k.convColsFloats(g, n)));
  const guard = put(k, new Float32Array(64).fill(9));
  const y = put(k, new Float32Array(rows * f).fill(5));
  k.convForward(g, n, x, cols, w, f, bias, true, y);
  const y2 = k.heap.allocF32(rows * f);
  k.convForward(g, n, x, cols, w, f, 0, false, y2);
  const dw = put(k, new Float32Array(taps * f).fill(5));
  const dx = withDx ? put(k, new Float32Array(inSize).fill(5)) : 0;
  k.convBackward(g, n, x, dz, w, f, cols, dw, dx, k.heap.allocF32(convPartialFloats(n, taps, f)));
  expect(k.heap.f32(guard, 64).every((v) => v === 9)).toBe(true);
  return {
    y: k.heap.f32(y, rows * f).slice(),
    y2: k.heap.f32(y2, rows * f).slice(),
    dw: k.heap.f32(dw, taps * f).slice(),
    dx: dx ? k.heap.f32(dx, inSize).slice() : null,
  };
}

for (const threads of [1, 2]) {
  describe(`convForward and convBackward: WASM on ${threads} thread(s) against the reference`, () => {
    let wasm: WasmKernels;
    const ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    beforeAll(async () => {
      wasm = await WasmKernels.create('relaxed', threads);
    });
    afterAll(async () => wasm.dispose());
    for (const [name, win, f, n] of convCases) {
      it(name, () => {
        for (const withDx of [true, false]) {
          const a = conv(wasm, win, f, n, 60, withDx);
          const b = conv(ref, win, f, n, 60, withDx);
          expect(a.y).toEqual(b.y);
          expect(a.y2).toEqual(b.y2);
          expect(a.dw).toEqual(b.dw);
          expect(a.dx).toEqual(b.dx);
          // ReLU and bias took effect: some outputs are clipped to 0, and the raw ones differ from them.
          expect(b.y.some((v) => v === 0) && b.y2.some((v) => v < 0)).toBe(true);
        }
      });
    }
  });
}
