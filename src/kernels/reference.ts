import { dropoutUniform } from './dropout-hash.js';
import type { Heap, Ptr } from './heap.js';
import type { ConvBackwardArgs, ConvReluMaxPoolBackwardArgs, GemmArgs, Kernels } from './kernels.js';
import { readWindow, type Window } from './window.js';

/**
 * Plain TypeScript implementation of the kernel interface: straightforward loops, float64 accumulation.
 * It is the oracle the WASM kernels are tested against, and a fallback where WebAssembly SIMD is missing.
 */
export class ReferenceKernels implements Kernels {
  readonly name = 'reference';
  readonly threads = 1;
  constructor(readonly heap: Heap) {}

  private f(ptr: Ptr, n: number): Float32Array {
    return this.heap.f32(ptr, n);
  }

  gemm(...[transA, transB, m, n, k, a, b, c, accumulate, bias, relu]: GemmArgs): void {
    const A = this.f(a, m * k);
    const B = this.f(b, k * n);
    const C = this.f(c, m * n);
    const bv = bias ? this.f(bias, n) : null;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? A[p * m + i] : A[i * k + p];
          const bw = transB ? B[j * k + p] : B[p * n + j];
          s += av * bw;
        }
        if (accumulate) s += C[i * n + j];
        if (bv) s += bv[j];
        if (relu && !(s > 0)) s = 0;
        C[i * n + j] = s;
      }
    }
  }

  relu(x: Ptr, y: Ptr, count: number): void {
    const X = this.f(x, count);
    const Y = this.f(y, count);
    for (let i = 0; i < count; i++) Y[i] = X[i] > 0 ? X[i] : 0;
  }

  reluBackward(dy: Ptr, y: Ptr, dx: Ptr, count: number): void {
    const DY = this.f(dy, count);
    const Y = this.f(y, count);
    const DX = this.f(dx, count);
    for (let i = 0; i < count; i++) DX[i] = Y[i] > 0 ? DY[i] : 0;
  }

  mul(a: Ptr, b: Ptr, out: Ptr, count: number): void {
    const A = this.f(a, count);
    const B = this.f(b, count);
    const O = this.f(out, count);
    for (let i = 0; i < count; i++) O[i] = A[i] * B[i];
  }

  copy(x: Ptr, y: Ptr, count: number): void {
    this.f(y, count).set(this.f(x, count));
  }

  dropout(x: Ptr, y: Ptr, mask: Ptr, count: number, rate: number, seed: number): void {
    const X = this.f(x, count);
    const Y = this.f(y, count);
    const M = this.f(mask, count);
    const r = Math.fround(rate);
    const scale = Math.fround(1 / Math.fround(1 - r));
    for (let i = 0; i < count; i++) {
      M[i] = dropoutUniform(seed >>> 0, i) >= r ? scale : 0;
      Y[i] = X[i] * M[i];
    }
  }

  colSum(dy: Ptr, m: number, n: number, out: Ptr, accumulate: boolean): void {
    const D = this.f(dy, m * n);
    const O = this.f(out, n);
    for (let j = 0; j < n; j++) {
      let s = accumulate ? O[j] : 0;
      for (let r = 0; r < m; r++) s += D[r * n + j];
      O[j] = s;
    }
  }

  softmax(x: Ptr, y: Ptr, m: number, n: number): void {
    const X = this.f(x, m * n);
    const Y = this.f(y, m * n);
    for (let r = 0; r < m; r++) {
      const o = r * n;
      const { mx, sum } = shiftedExpSum(X, o, n);
      for (let j = 0; j < n; j++) Y[o + j] = Math.exp(X[o + j] - mx) / sum;
    }
  }

  softmaxCrossEntropy(z: Ptr, labels: Ptr, targets: Ptr, m: number, n: number, dz: Ptr, scale: number): number {
    const Z = this.f(z, m * n);
    const L = labels ? this.heap.u8(labels, m) : null;
    const T = labels ? null : this.f(targets, m * n);
    const D = dz ? this.f(dz, m * n) : null;
    let total = 0;
    for (let r = 0; r < m; r++) {
      const o = r * n;
      const { mx, sum } = shiftedExpSum(Z, o, n);
      const lse = mx + Math.log(sum);
      let tsum = 0;
      for (let j = 0; j < n; j++) {
        const t = L ? (L[r] === j ? 1 : 0) : T![o + j];
        tsum += t;
        if (t !== 0) total += t * (lse - Z[o + j]);
      }
      if (D) {
        for (let j = 0; j < n; j++) {
          const t = L ? (L[r] === j ? 1 : 0) : T![o + j];
          D[o + j] = ((Math.exp(Z[o + j] - mx) / sum) * tsum - t) * scale;
        }
      }
    }
    return total;
  }

  argmaxRows(x: Ptr, m: number, n: number, out: Ptr): void {
    const X = this.f(x, m * n);
    const O = this.heap.i32(out, m);
    for (let r = 0; r < m; r++) O[r] = argmax(X, r * n, n);
  }

  countCorrect(x: Ptr, m: number, n: number, labels: Ptr): number {
    const X = this.f(x, m * n);
    const L = this.heap.u8(labels, m);
    let c = 0;
    for (let r = 0; r < m; r++) if (argmax(X, r * n, n) === L[r]) c++;
    return c;
  }

  gatherScale(src: Ptr, idx: Ptr, count: number, rowLen: number, dst: Ptr, scale: number, shift = 0): void {
    const I = this.heap.i32(idx, count);
    const D = this.f(dst, count * rowLen);
    const s = Math.fround(scale);
    const t = Math.fround(shift);
    for (let r = 0; r < count; r++) {
      const S = this.heap.u8(src + I[r] * rowLen, rowLen);
      for (let c = 0; c < rowLen; c++) D[r * rowLen + c] = Math.fround(S[c] * s) + t;
    }
  }

  activeColumns(x: Ptr, m: number, n: number, idx: Ptr): number {
    const X = this.f(x, m * n);
    const I = this.heap.i32(idx, n);
    let k = 0;
    for (let c = 0; c < n; c++) {
      let any = false;
      for (let r = 0; r < m && !any; r++) any = X[r * n + c] !== 0; // (NaN !== 0)
      if (any) I[k++] = c;
    }
    return k;
  }

  gatherColumns(src: Ptr, m: number, n: number, idx: Ptr, k: number, dst: Ptr): void {
    const S = this.f(src, m * n);
    const I = this.heap.i32(idx, k);
    const D = this.f(dst, m * k);
    for (let r = 0; r < m; r++) for (let j = 0; j < k; j++) D[r * k + j] = S[r * n + I[j]];
  }

  gatherRows(src: Ptr, n: number, idx: Ptr, k: number, dst: Ptr): void {
    const I = this.heap.i32(idx, k);
    const D = this.f(dst, k * n);
    for (let j = 0; j < k; j++) D.set(this.f(src + I[j] * n * 4, n), j * n);
  }

  scatterRows(src: Ptr, n: number, idx: Ptr, k: number, rows: number, dst: Ptr): void {
    const S = this.f(src, k * n);
    const I = this.heap.i32(idx, k);
    const D = this.f(dst, rows * n);
    D.fill(0);
    for (let j = 0; j < k; j++) D.set(S.subarray(j * n, (j + 1) * n), I[j] * n);
  }

  gatherLabels(src: Ptr, idx: Ptr, count: number, dst: Ptr): void {
    const I = this.heap.i32(idx, count);
    const D = this.heap.u8(dst, count);
    for (let r = 0; r < count; r++) D[r] = this.heap.u8(src + I[r], 1)[0];
  }

  oneHot(labels: Ptr, m: number, n: number, dst: Ptr): void {
    const L = this.heap.u8(labels, m);
    const D = this.f(dst, m * n);
    for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) D[r * n + j] = L[r] === j ? 1 : 0;
  }

  adam(p: Ptr, g: Ptr, m: Ptr, v: Ptr, count: number, lrT: number, beta1: number, beta2: number, eps: number): void {
    const P = this.f(p, count);
    const G = this.f(g, count);
    const M = this.f(m, count);
    const V = this.f(v, count);
    for (let i = 0; i < count; i++) {
      M[i] = beta1 * M[i] + (1 - beta1) * G[i];
      V[i] = beta2 * V[i] + (1 - beta2) * G[i] * G[i];
      P[i] -= (lrT * M[i]) / (Math.sqrt(V[i]) + eps);
    }
  }

  sgd(p: Ptr, g: Ptr, velocity: Ptr, count: number, lr: number, momentum: number, nesterov: boolean): void {
    const P = this.f(p, count);
    const G = this.f(g, count);
    if (momentum === 0) {
      for (let i = 0; i < count; i++) P[i] -= lr * G[i];
      return;
    }
    const V = this.f(velocity, count);
    for (let i = 0; i < count; i++) {
      V[i] = momentum * V[i] - lr * G[i];
      P[i] += nesterov ? momentum * V[i] - lr * G[i] : V[i];
    }
  }

  rmsprop(p: Ptr, g: Ptr, acc: Ptr, count: number, lr: number, rho: number, eps: number): void {
    const P = this.f(p, count);
    const G = this.f(g, count);
    const A = this.f(acc, count);
    for (let i = 0; i < count; i++) {
      A[i] = rho * A[i] + (1 - rho) * G[i] * G[i];
      P[i] -= (lr * G[i]) / (Math.sqrt(A[i]) + eps);
    }
  }

  im2col(win: Ptr, n: number, x: Ptr, cols: Ptr): void {
    const g = readWindow(this.heap, win);
    const K = g.kh * g.kw * g.c;
    const X = this.f(x, n * g.h * g.w * g.c);
    const C = this.f(cols, n * g.oh * g.ow * K);
    this.windows(g, n, (r, b, iy, ix, col) => {
      for (let ch = 0; ch < g.c; ch++)
        C[r * K + col * g.c + ch] = iy < 0 ? 0 : X[((b * g.h + iy) * g.w + ix) * g.c + ch];
    });
  }

  col2im(win: Ptr, n: number, cols: Ptr, dx: Ptr): void {
    const g = readWindow(this.heap, win);
    const K = g.kh * g.kw * g.c;
    const C = this.f(cols, n * g.oh * g.ow * K);
    const D = this.f(dx, n * g.h * g.w * g.c);
    D.fill(0);
    this.windows(g, n, (r, b, iy, ix, col) => {
      if (iy < 0) return;
      for (let ch = 0; ch < g.c; ch++) D[((b * g.h + iy) * g.w + ix) * g.c + ch] += C[r * K + col * g.c + ch];
    });
  }

  // The oracle builds the whole im2col matrix, in memory of its own (freed after), and needs no scratch.
  convColsFloats(): number {
    return 0;
  }

  convForward(win: Ptr, n: number, x: Ptr, _cols: Ptr, w: Ptr, f: number, bias: Ptr, relu: boolean, y: Ptr): void {
    this.withColumns(win, n, x, (cols, m, taps) => this.gemm(false, false, m, f, taps, cols, w, y, false, bias, relu));
  }

  convBackward(...[win, n, x, dz, w, f, _cols, dw, dx]: ConvBackwardArgs): void {
    this.withColumns(win, n, x, (cols, m, taps) => {
      this.gemm(true, false, taps, f, m, cols, dz, dw, false, 0, false);
      if (!dx) return;
      this.gemm(false, true, m, taps, f, dz, w, cols, false, 0, false);
      this.col2im(win, n, cols, dx);
    });
  }

  /** Runs `use` on the whole im2col matrix of n images (m rows of `taps`), in memory freed after. */
  private withColumns(win: Ptr, n: number, x: Ptr, use: (cols: Ptr, m: number, taps: number) => void): void {
    const g = readWindow(this.heap, win);
    const m = n * g.oh * g.ow;
    const taps = g.kh * g.kw * g.c;
    const mark = this.heap.mark();
    const cols = this.heap.alloc(m * taps * 4);
    this.im2col(win, n, x, cols);
    use(cols, m, taps);
    this.heap.reset(mark);
  }

  maxPool(win: Ptr, n: number, x: Ptr, y: Ptr, arg: Ptr): void {
    const g = readWindow(this.heap, win);
    const X = this.f(x, n * g.h * g.w * g.c);
    const Y = this.f(y, n * g.oh * g.ow * g.c);
    const A = this.heap.i32(arg, n * g.oh * g.ow * g.c);
    Y.fill(-Infinity);
    A.fill(-1);
    this.windows(g, n, (r, b, iy, ix) => {
      if (iy < 0) return;
      for (let ch = 0; ch < g.c; ch++) {
        const i = ((b * g.h + iy) * g.w + ix) * g.c + ch;
        if (X[i] > Y[r * g.c + ch]) {
          Y[r * g.c + ch] = X[i];
          A[r * g.c + ch] = i;
        }
      }
    }); // After a ReLU, a window whose maximum is 0 routes no gradient (the ReLU's own backward).
    if (g.reluInput) for (let i = 0; i < A.length; i++) if (!(Y[i] > 0)) A[i] = -1;
  }

  maxPoolBackward(win: Ptr, n: number, dy: Ptr, arg: Ptr, dx: Ptr): void {
    const g = readWindow(this.heap, win);
    const outCount = n * g.oh * g.ow * g.c;
    const DY = this.f(dy, outCount);
    const A = this.heap.i32(arg, outCount);
    const DX = this.f(dx, n * g.h * g.w * g.c);
    DX.fill(0);
    for (let i = 0; i < outCount; i++) if (A[i] >= 0) DX[A[i]] += DY[i];
  }

  convReluMaxPool(conv: Ptr, pool: Ptr, n: number, x: Ptr, w: Ptr, bias: Ptr, y: Ptr, arg: Ptr): void {
    const g = readWindow(this.heap, conv);
    const p = readWindow(this.heap, pool);
    const taps = g.kh * g.kw * g.c;
    const f = p.c;
    const X = this.f(x, n * g.h * g.w * g.c);
    const W = this.f(w, taps * f);
    const bs = bias ? this.f(bias, f) : new Float32Array(f);
    const Y = this.f(y, n * p.oh * p.ow * f);
    const A = this.heap.i32(arg, n * p.oh * p.ow * f);
    for (let b = 0; b < n; b++)
      for (let py = 0; py < p.oh; py++)
        for (let px = 0; px < p.ow; px++)
          for (let j = 0; j < f; j++) {
            const o = ((b * p.oh + py) * p.ow + px) * f + j;
            let best = 0;
            let at = -1;
            for (let wy = 0; wy < p.kh; wy++)
              for (let wx = 0; wx < p.kw; wx++) {
                const z = this.convAt(g, X, W, f, b, py * p.sh + wy, px * p.sw + wx, j) + bs[j];
                if (z > best) {
                  best = z;
                  at = wy * p.kw + wx;
                }
              }
            Y[o] = best;
            A[o] = at;
          }
  }

  /** One convolution output (before bias), float64: image b, output cell (oy, ox), filter j. */
  private convAt(g: Window, X: Float32Array, W: Float32Array, f: number, b: number, oy: number, ox: number, j: number) {
    let z = 0;
    forEachTap(g, b, oy, ox, (xi, tap) => (z += X[xi] * W[tap * f + j]));
    return z;
  }

  convReluMaxPoolBackward(...[conv, pool, n, x, dy, arg, dw, db, _partial]: ConvReluMaxPoolBackwardArgs): void {
    const g = readWindow(this.heap, conv);
    const p = readWindow(this.heap, pool);
    const taps = g.kh * g.kw * g.c;
    const f = p.c;
    const X = this.f(x, n * g.h * g.w * g.c);
    const DY = this.f(dy, n * p.oh * p.ow * f);
    const A = this.heap.i32(arg, n * p.oh * p.ow * f);
    const dW = new Float64Array(taps * f);
    const dB = new Float64Array(f);
    for (let b = 0; b < n; b++)
      for (let py = 0; py < p.oh; py++)
        for (let px = 0; px < p.ow; px++)
          for (let j = 0; j < f; j++) {
            const o = ((b * p.oh + py) * p.ow + px) * f + j;
            if (A[o] < 0) continue;
            const oy = py * p.sh + Math.floor(A[o] / p.kw);
            const ox = px * p.sw + (A[o] % p.kw);
            dB[j] += DY[o];
            forEachTap(g, b, oy, ox, (xi, tap) => (dW[tap * f + j] += X[xi] * DY[o]));
          }
    this.f(dw, taps * f).set(dW);
    if (db) this.f(db, f).set(dB);
  }

  avgPool(win: Ptr, n: number, x: Ptr, y: Ptr): void {
    const g = readWindow(this.heap, win);
    const X = this.f(x, n * g.h * g.w * g.c);
    const Y = this.f(y, n * g.oh * g.ow * g.c);
    const sums = new Float32Array(g.c);
    const count = new Int32Array(n * g.oh * g.ow);
    Y.fill(0);
    this.windows(g, n, (r, b, iy, ix) => {
      if (iy < 0) return;
      count[r]++;
      for (let ch = 0; ch < g.c; ch++) Y[r * g.c + ch] += X[((b * g.h + iy) * g.w + ix) * g.c + ch];
    });
    for (let r = 0; r < count.length; r++) {
      const inv = Math.fround(1 / count[r]);
      for (let ch = 0; ch < g.c; ch++) sums[ch] = Y[r * g.c + ch];
      for (let ch = 0; ch < g.c; ch++) Y[r * g.c + ch] = sums[ch] * inv;
    }
  }

  avgPoolBackward(win: Ptr, n: number, dy: Ptr, dx: Ptr): void {
    const g = readWindow(this.heap, win);
    const DY = this.f(dy, n * g.oh * g.ow * g.c);
    const DX = this.f(dx, n * g.h * g.w * g.c);
    const count = new Int32Array(n * g.oh * g.ow);
    this.windows(g, n, (r, _b, iy) => {
      if (iy >= 0) count[r]++;
    });
    DX.fill(0);
    this.windows(g, n, (r, b, iy, ix) => {
      if (iy < 0) return;
      const inv = Math.fround(1 / count[r]);
      for (let ch = 0; ch < g.c; ch++)
        DX[((b * g.h + iy) * g.w + ix) * g.c + ch] += Math.fround(DY[r * g.c + ch] * inv);
    });
  }

  /** Calls `visit(row, image, iy, ix, windowCell)` for every cell of every window, in order; iy = −1 outside. */
  private windows(
    g: Window,
    n: number,
    visit: (r: number, b: number, iy: number, ix: number, cell: number) => void,
  ): void {
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < g.oh; oy++)
        for (let ox = 0; ox < g.ow; ox++) {
          const r = (b * g.oh + oy) * g.ow + ox;
          for (let ky = 0; ky < g.kh; ky++)
            for (let kx = 0; kx < g.kw; kx++) {
              const iy = oy * g.sh + ky - g.padTop;
              const ix = ox * g.sw + kx - g.padLeft;
              const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
              visit(r, b, inside ? iy : -1, inside ? ix : -1, ky * g.kw + kx);
            }
        }
  }

  columnSums2(a: Ptr, b: Ptr, m: number, c: number, sumA: Ptr, sumAB: Ptr): void {
    const A = this.f(a, m * c);
    const B = this.f(b, m * c);
    const SA = this.heap.f64(sumA, c);
    const SAB = this.heap.f64(sumAB, c);
    for (let j = 0; j < c; j++) {
      let s = 0;
      let p = 0;
      for (let r = 0; r < m; r++) {
        s += A[r * c + j];
        p += A[r * c + j] * B[r * c + j];
      }
      SA[j] = s;
      SAB[j] = p;
    }
  }

  affineColumns(x: Ptr, z: Ptr, m: number, c: number, s: Ptr, t: Ptr, u: Ptr, out: Ptr): void {
    const X = this.f(x, m * c);
    const Z = z ? this.f(z, m * c) : null;
    const S = this.f(s, c);
    const T = this.f(t, c);
    const U = z ? this.f(u, c) : null;
    const O = this.f(out, m * c);
    for (let r = 0; r < m; r++)
      for (let j = 0; j < c; j++) {
        const i = r * c + j;
        O[i] = S[j] * X[i] + T[j] + (Z ? U![j] * Z[i] : 0);
      }
  }

  scale(x: Ptr, y: Ptr, count: number, factor: number): void {
    const X = this.f(x, count);
    const Y = this.f(y, count);
    for (let i = 0; i < count; i++) Y[i] = X[i] * factor;
  }

  movingAverage(avg: Ptr, x: Ptr, count: number, momentum: number): void {
    const A = this.f(avg, count);
    const X = this.f(x, count);
    const m = Math.fround(momentum);
    const rest = Math.fround(1 - m);
    // Each product and the sum rounded to f32, as the WASM kernel computes them.
    for (let i = 0; i < count; i++) A[i] = Math.fround(Math.fround(A[i] * m) + Math.fround(X[i] * rest));
  }

  sumSquares(x: Ptr, count: number): number {
    const X = this.f(x, count);
    let s = 0;
    for (let i = 0; i < count; i++) s += X[i] * X[i];
    return s;
  }

  clamp(x: Ptr, count: number, lo: number, hi: number): void {
    const X = this.f(x, count);
    for (let i = 0; i < count; i++) X[i] = Math.min(Math.max(X[i], lo), hi);
  }

  adadelta(p: Ptr, g: Ptr, accGrad: Ptr, accDelta: Ptr, count: number, lr: number, rho: number, eps: number): void {
    const P = this.f(p, count);
    const G = this.f(g, count);
    const A = this.f(accGrad, count);
    const D = this.f(accDelta, count);
    for (let i = 0; i < count; i++) {
      A[i] = rho * A[i] + (1 - rho) * G[i] * G[i];
      const delta = (Math.sqrt(D[i] + eps) / Math.sqrt(A[i] + eps)) * G[i];
      D[i] = rho * D[i] + (1 - rho) * delta * delta;
      P[i] -= lr * delta;
    }
  }

  async dispose(): Promise<void> {}
}

function argmax(x: Float32Array, o: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (x[o + j] > x[o + best]) best = j;
  return best;
}

/**
 * Visits the input values under convolution output cell (oy, ox) of image b: their index in the NHWC input and
 * their tap (ky, kx, channel) index in the filter, skipping the padding.
 */
function forEachTap(g: Window, b: number, oy: number, ox: number, visit: (xIndex: number, tap: number) => void): void {
  for (let ky = 0; ky < g.kh; ky++)
    for (let kx = 0; kx < g.kw; kx++) {
      const iy = oy * g.sh + ky - g.padTop;
      const ix = ox * g.sw + kx - g.padLeft;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      for (let ch = 0; ch < g.c; ch++) visit(((b * g.h + iy) * g.w + ix) * g.c + ch, (ky * g.kw + kx) * g.c + ch);
    }
}

/** A row's maximum and Σ exp(x − max) over it: a softmax's normalizer, without overflow. */
function shiftedExpSum(X: Float32Array, o: number, n: number): { mx: number; sum: number } {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) mx = Math.max(mx, X[o + j]);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(X[o + j] - mx);
  return { mx, sum };
}
