import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Heap, ReferenceKernels, WasmKernels, type Kernels, type Ptr } from '../../src/kernels/index.js';
import { makeWindow, writeWindow, type Window } from '../../src/kernels/window.js';
import { maxRelError, randomFloats } from '../helpers/random.js';

/** Convolution/pooling window kernels and per-column kernels: WASM (1 and 2 threads) against the reference. */

function put(k: Kernels, data: Float32Array | Int32Array): Ptr {
  return k.heap.allocBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

const windows: [string, Window][] = [
  ['28×28×1 3×3 valid', makeWindow({ h: 28, w: 28, c: 1 }, [3, 3], [1, 1], 'valid')],
  ['13×13×32 3×3 valid', makeWindow({ h: 13, w: 13, c: 32 }, [3, 3], [1, 1], 'valid')],
  ['12×12×6 5×5 same stride 2', makeWindow({ h: 12, w: 12, c: 6 }, [5, 5], [2, 2], 'same')],
  ['9×7×3 3×2 same', makeWindow({ h: 9, w: 7, c: 3 }, [3, 2], [1, 1], 'same')],
  ['26×26×32 pool 2', makeWindow({ h: 26, w: 26, c: 32 }, [2, 2], [2, 2], 'valid')],
  ['11×11×64 pool 2', makeWindow({ h: 11, w: 11, c: 64 }, [2, 2], [2, 2], 'valid')],
  ['7×7×5 pool 3 stride 2 same', makeWindow({ h: 7, w: 7, c: 5 }, [3, 3], [2, 2], 'same')],
  ['11×9×8 pool 2 same', makeWindow({ h: 11, w: 9, c: 8 }, [2, 2], [2, 2], 'same')],
  ['9×9×4 pool 2 stride 3 (gaps)', makeWindow({ h: 9, w: 9, c: 4 }, [2, 2], [3, 3], 'valid')],
  // After a ReLU (the input below is then clamped at 0, so windows tie at 0 and route nothing).
  ['12×12×8 pool 2 after ReLU', { ...makeWindow({ h: 12, w: 12, c: 8 }, [2, 2], [2, 2], 'valid'), reluInput: 1 }],
];

describe('makeWindow', () => {
  it('gives Keras / TensorFlow output sizes and padding', () => {
    expect(makeWindow({ h: 28, w: 28, c: 1 }, [3, 3], [1, 1], 'valid')).toMatchObject({ oh: 26, ow: 26, padTop: 0 });
    expect(makeWindow({ h: 28, w: 28, c: 1 }, [3, 3], [1, 1], 'same')).toMatchObject({ oh: 28, ow: 28, padTop: 1 });
    // total padding (14−1)·2 + 5 − 28 = 3: TensorFlow puts 1 before and 2 after
    expect(makeWindow({ h: 28, w: 28, c: 1 }, [5, 5], [2, 2], 'same')).toMatchObject({ oh: 14, padTop: 1 });
    expect(makeWindow({ h: 11, w: 11, c: 64 }, [2, 2], [2, 2], 'valid')).toMatchObject({ oh: 5, ow: 5 });
    expect(makeWindow({ h: 11, w: 11, c: 64 }, [2, 2], [2, 2], 'same')).toMatchObject({ oh: 6, padTop: 0 });
  });
});

for (const threads of [1, 2]) {
  describe(`window and column kernels, WASM on ${threads} thread(s) vs reference`, () => {
    let wasm: WasmKernels;
    let ref: ReferenceKernels;
    beforeAll(async () => {
      wasm = await WasmKernels.create('relaxed', threads);
      ref = new ReferenceKernels(new Heap(Heap.createMemory(false), 1024));
    });
    afterAll(async () => wasm.dispose());

    for (const [name, win] of windows) {
      it(`im2col, col2im, maxPool, avgPool and their backward: ${name}`, () => {
        const n = 5;
        const inSize = n * win.h * win.w * win.c;
        const rows = n * win.oh * win.ow;
        const K = win.kh * win.kw * win.c;
        const x = randomFloats(inSize, 11).map((v) => (win.reluInput ? Math.max(v, 0) : v));
        const d = randomFloats(rows * K, 12);
        const dyPool = randomFloats(rows * win.c, 13);
        const out = [wasm, ref].map((k) => {
          const g = writeWindow(k.heap, win);
          const px = put(k, x);
          const cols = k.heap.allocF32(rows * K);
          k.im2col(g, n, px, cols);
          const pd = put(k, d);
          const dx = put(k, randomFloats(inSize, 99)); // garbage: col2im must overwrite
          k.col2im(g, n, pd, dx);
          const y = k.heap.allocF32(rows * win.c);
          const arg = k.heap.alloc(rows * win.c * 4);
          k.maxPool(g, n, px, y, arg);
          const pdy = put(k, dyPool);
          const dxPool = put(k, randomFloats(inSize, 98));
          k.maxPoolBackward(g, n, pdy, arg, dxPool);
          const avg = k.heap.allocF32(rows * win.c);
          k.avgPool(g, n, px, avg);
          const dxAvg = put(k, randomFloats(inSize, 97)); // garbage: must be overwritten
          k.avgPoolBackward(g, n, pdy, dxAvg);
          return {
            avg: k.heap.f32(avg, rows * win.c).slice(),
            dxAvg: k.heap.f32(dxAvg, inSize).slice(),
            cols: k.heap.f32(cols, rows * K).slice(),
            dx: k.heap.f32(dx, inSize).slice(),
            y: k.heap.f32(y, rows * win.c).slice(),
            arg: k.heap.i32(arg, rows * win.c).slice(),
            dxPool: k.heap.f32(dxPool, inSize).slice(),
          };
        });
        expect(out[0].cols).toEqual(out[1].cols); // pure data movement: exact
        expect(maxRelError(out[0].dx, out[1].dx)).toBeLessThan(1e-6);
        expect(out[0].y).toEqual(out[1].y);
        expect(out[0].arg).toEqual(out[1].arg);
        expect(out[0].dxPool).toEqual(out[1].dxPool);
        expect(out[0].avg).toEqual(out[1].avg);
        expect(out[0].dxAvg).toEqual(out[1].dxAvg);

        // col2im is the adjoint of im2col: <im2col(x), d> = <x, col2im(d)>.
        let lhs = 0;
        let rhs = 0;
        for (let i = 0; i < rows * K; i++) lhs += out[1].cols[i] * d[i];
        for (let i = 0; i < inSize; i++) rhs += x[i] * out[1].dx[i];
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * (1 + Math.abs(lhs)));
        // Every pooled value is the input at its recorded position; after a ReLU, windows whose maximum is 0
        // (and only those) record none.
        const unrouted = out[1].y.filter((v, i) => out[1].arg[i] < 0 && v === 0).length;
        expect(out[1].y.filter((v, i) => out[1].arg[i] >= 0 && v !== x[out[1].arg[i]]).length).toBe(0);
        expect(out[1].arg.filter((a) => a < 0).length).toBe(unrouted);
        if (win.reluInput) expect(unrouted).toBeGreaterThan(0);
      });
    }

    it('columnSums2 and affineColumns', () => {
      for (const [m, c] of [
        [86_528, 32],
        [1000, 7],
        [3, 64],
      ]) {
        const a = randomFloats(m * c, 21, 1, 3);
        const b = randomFloats(m * c, 22);
        const s = randomFloats(c, 23);
        const t = randomFloats(c, 24);
        const u = randomFloats(c, 25);
        const res = [wasm, ref].map((k) => {
          const [pa, pb, ps, pt, pu] = [a, b, s, t, u].map((v) => put(k, v));
          const sumA = k.heap.alloc(c * 8);
          const sumAB = k.heap.alloc(c * 8);
          k.columnSums2(pa, pb, m, c, sumA, sumAB);
          const o1 = k.heap.allocF32(m * c);
          k.affineColumns(pa, 0, m, c, ps, pt, 0, o1);
          k.affineColumns(pa, pb, m, c, ps, pt, pu, pb); // in place over z
          return {
            sumA: k.heap.f64(sumA, c).slice(),
            sumAB: k.heap.f64(sumAB, c).slice(),
            o1: k.heap.f32(o1, m * c).slice(),
            o2: k.heap.f32(pb, m * c).slice(),
          };
        });
        for (let j = 0; j < c; j++) {
          expect(Math.abs(res[0].sumA[j] - res[1].sumA[j])).toBeLessThan(1e-6 * m * 3);
          expect(Math.abs(res[0].sumAB[j] - res[1].sumAB[j])).toBeLessThan(1e-6 * m * 3);
        }
        expect(maxRelError(res[0].o1, res[1].o1)).toBeLessThan(1e-5);
        expect(maxRelError(res[0].o2, res[1].o2)).toBeLessThan(1e-5);
      }
    });

    it('optimizer helpers: scale, sumSquares, clamp, adadelta, movingAverage', () => {
      const n = 70_001;
      const x = randomFloats(n, 31);
      const g = randomFloats(n, 32);
      const a1 = randomFloats(n, 33, 0, 1);
      const a2 = randomFloats(n, 34, 0, 1);
      const res = [wasm, ref].map((k) => {
        const [px, pg, p1, p2] = [x, g, a1, a2].map((v) => put(k, v));
        const y = k.heap.allocF32(n);
        const avg = put(k, a2);
        k.movingAverage(avg, px, n, 0.999); // before adadelta changes px
        k.scale(px, y, n, 0.75);
        const ss = k.sumSquares(px, n);
        k.clamp(pg, n, -0.5, 0.25);
        k.adadelta(px, pg, p1, p2, n, 0.1, 0.95, 1e-7);
        return {
          avg: k.heap.f32(avg, n).slice(),
          y: k.heap.f32(y, n).slice(),
          ss,
          g: k.heap.f32(pg, n).slice(),
          p: k.heap.f32(px, n).slice(),
          d: k.heap.f32(p2, n).slice(),
        };
      });
      expect(res[0].y).toEqual(res[1].y);
      expect(res[0].avg).toEqual(res[1].avg);
      expect(Math.abs(res[0].ss - res[1].ss) / res[1].ss).toBeLessThan(1e-6);
      expect(res[0].g).toEqual(res[1].g);
      expect(maxRelError(res[0].p, res[1].p)).toBeLessThan(1e-5);
      expect(maxRelError(res[0].d, res[1].d)).toBeLessThan(1e-5);
    });
  });
}
