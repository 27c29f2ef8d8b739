// WebAssembly SIMD kernels (AssemblyScript). Every pointer is a byte offset into the one shared memory that
// the TypeScript side plans; nothing here allocates. Row ranges [r0, r1) let a thread pool split the work.
// The TypeScript reference in ../reference.ts defines the semantics; tests compare the two.

// Fused multiply-add when the build enables relaxed SIMD (a second artefact), plain mul+add otherwise.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** First byte the TypeScript heap may use (after this module's static data). */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------------------------------------
// GEMM: C[m×n] (+)= op(A)[m×k] · op(B)[k×n], row-major, contiguous. op() transposes when the flag is set
// (A stored k×m, B stored n×k). B is packed into 8-column panels and A into 4-row panels per K block, so one
// 4×8 register-blocked micro-kernel serves every layout. Edges are zero-padded inside the packed buffers
// only. After the last K block an optional epilogue adds bias[n] and applies ReLU.
// ---------------------------------------------------------------------------------------------------------
const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
// A k up to KC_MAX is one block rather than KC + a sliver (a 3×3×32 convolution's 288): the sliver's pass costs
// a C load and store for few products. gemm.cc blocks k the same way, so both sum in the same order.
const KC_MAX: i32 = 384;
const MC: i32 = 128;
const NC: i32 = 1024;

/** Floats of workspace one gemm call (one thread) needs. */
export function gemmWorkspaceFloats(): i32 {
  return KC_MAX * NC + MC * KC_MAX + MR * NR;
}

function packB(transB: i32, n: i32, k: i32, b: usize, p0: i32, kc: i32, j0: i32, nc: i32, bp: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const dst = bp + <usize>(jr * kc) * 4;
    if (!transB) {
      const src = b + (<usize>p0 * n + j0 + jr) * 4;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          const s = src + <usize>(p * n) * 4;
          const d = dst + <usize>(p * NR) * 4;
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const s = src + <usize>(p * n) * 4;
          const d = dst + <usize>(p * NR) * 4;
          for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(s + (<usize>j << 2)) : 0);
        }
      }
    } else {
      for (let j = 0; j < NR; j++) {
        const d = dst + (<usize>j << 2);
        if (j < cols) {
          const s = b + (<usize>(j0 + jr + j) * k + p0) * 4;
          for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p * NR) * 4, load<f32>(s + (<usize>p << 2)));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p * NR) * 4, 0);
        }
      }
    }
  }
}

function packA(transA: i32, m: i32, k: i32, a: usize, i0: i32, mc: i32, p0: i32, kc: i32, ap: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const dst = ap + <usize>(ir * kc) * 4;
    if (transA) {
      const src = a + (<usize>p0 * m + i0 + ir) * 4;
      if (rows == MR) {
        for (let p = 0; p < kc; p++) v128.store(dst + <usize>(p * MR) * 4, v128.load(src + <usize>(p * m) * 4));
      } else {
        for (let p = 0; p < kc; p++) {
          const s = src + <usize>(p * m) * 4;
          const d = dst + <usize>(p * MR) * 4;
          for (let i = 0; i < MR; i++) store<f32>(d + (<usize>i << 2), i < rows ? load<f32>(s + (<usize>i << 2)) : 0);
        }
      }
    } else {
      for (let i = 0; i < MR; i++) {
        const d = dst + (<usize>i << 2);
        if (i < rows) {
          const s = a + (<usize>(i0 + ir + i) * k + p0) * 4;
          for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p * MR) * 4, load<f32>(s + (<usize>p << 2)));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(d + <usize>(p * MR) * 4, 0);
        }
      }
    }
  }
}

// 4×8 tile of op(A)·op(B) over kc, written to `tile` (32 floats).
// @ts-ignore: decorator
@inline function microKernel(kc: i32, ap: usize, bp: usize, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
}

// Merge a tile into C: overwrite or add, then (last K block) bias and ReLU.
function storeTile(
  tile: usize, c: usize, n: i32, row: i32, rows: i32, col: i32, cols: i32,
  add: bool, last: bool, bias: usize, relu: bool,
): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    const t = tile + <usize>(i * NR) * 4;
    const d = c + (<usize>(row + i) * n + col) * 4;
    if (cols == NR) {
      let v0 = v128.load(t);
      let v1 = v128.load(t, 16);
      if (add) {
        v0 = f32x4.add(v0, v128.load(d));
        v1 = f32x4.add(v1, v128.load(d, 16));
      }
      if (last) {
        if (bias) {
          const bb = bias + (<usize>col << 2);
          v0 = f32x4.add(v0, v128.load(bb));
          v1 = f32x4.add(v1, v128.load(bb, 16));
        }
        if (relu) {
          v0 = f32x4.max(v0, zero);
          v1 = f32x4.max(v1, zero);
        }
      }
      v128.store(d, v0);
      v128.store(d, v1, 16);
    } else {
      for (let j = 0; j < cols; j++) {
        let v = load<f32>(t + (<usize>j << 2));
        const dj = d + (<usize>j << 2);
        if (add) v += load<f32>(dj);
        if (last) {
          if (bias) v += load<f32>(bias + (<usize>(col + j) << 2));
          if (relu && !(v > 0)) v = 0;
        }
        store<f32>(dj, v);
      }
    }
  }
}

/**
 * Rows [r0, r1) of C = op(A)·op(B) (+ C when accumulate) (+ bias, ReLU). `work` holds gemmWorkspaceFloats().
 */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize,
  accumulate: i32, bias: usize, relu: i32, work: usize, r0: i32, r1: i32,
): void {
  if (r1 <= r0 || n <= 0) return;
  const bp = work;
  const ap = work + <usize>(KC_MAX * NC) * 4;
  const tile = ap + <usize>(MC * KC_MAX) * 4;
  if (k <= 0) {
    // op(A)·op(B) is all zeros: only the epilogue remains.
    for (let j0 = 0; j0 < n; j0 += NR) {
      const cols = min(NR, n - j0);
      memory.fill(tile, 0, MR * NR * 4);
      for (let i0 = r0; i0 < r1; i0 += MR) storeTile(tile, c, n, i0, min(MR, r1 - i0), j0, cols, accumulate != 0, true, bias, relu != 0);
    }
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    const kcBlock = k <= KC_MAX ? k : KC;
    for (let pc = 0; pc < k; pc += kcBlock) {
      const kc = min(kcBlock, k - pc);
      const first = pc == 0;
      const last = pc + kc >= k;
      packB(transB, n, k, b, pc, kc, jc, nc, bp);
      for (let ic = r0; ic < r1; ic += MC) {
        const mc = min(MC, r1 - ic);
        packA(transA, m, k, a, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bpanel = bp + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(kc, ap + <usize>(ir * kc) * 4, bpanel, tile);
            storeTile(tile, c, n, ic + ir, min(MR, mc - ir), jc + jr, cols, !first || accumulate != 0, last, bias, relu != 0);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Elementwise and row-wise kernels. [i0, i1) are element indices (or rows for row-wise ops).
// ---------------------------------------------------------------------------------------------------------

/** y[i] = max(x[i], 0); y may alias x. */
export function relu(x: usize, y: usize, i0: i32, i1: i32): void {
  let i = i0;
  const zero = f32x4.splat(0);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

/** dx[i] = y[i] > 0 ? dy[i] : 0 (ReLU backward from its output); dx may alias dy. */
export function reluBackward(dy: usize, y: usize, dx: usize, i0: i32, i1: i32): void {
  let i = i0;
  const zero = f32x4.splat(0);
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** out[i] = a[i] · b[i]; out may alias either. */
export function mul(a: usize, b: usize, out: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/** Copy `count` floats from x to y. */
export function copy(x: usize, y: usize, count: i32): void {
  memory.copy(y, x, <usize>count << 2);
}

// Counter-based hash (murmur3 finalizer): the dropout mask of element i depends only on (seed, i), so any
// split across threads, and the TypeScript reference, produce the same mask.
// @ts-ignore: decorator
@inline function hash32(seed: u32, i: u32): u32 {
  let h = seed ^ (i * 0x9e3779b9);
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/** Inverted dropout: mask[i] = keep ? 1/(1-rate) : 0 with keep = u(seed,i) >= rate; y[i] = x[i]·mask[i]. */
export function dropout(x: usize, y: usize, mask: usize, rate: f32, seed: u32, i0: i32, i1: i32): void {
  const scale: f32 = 1 / (1 - rate);
  // Four lanes of hash32 at a time (u < 2^24, so the signed conversion is exact).
  const vSeed = i32x4.splat(seed);
  const vRate = f32x4.splat(rate);
  const vScale = f32x4.splat(scale);
  const vZero = f32x4.splat(0);
  const unit = f32x4.splat(1.0 / 16777216.0);
  let idx = i32x4.add(i32x4.splat(i0), i32x4(0, 1, 2, 3));
  const four = i32x4.splat(4);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    let h = v128.xor(vSeed, i32x4.mul(idx, i32x4.splat(0x9e3779b9)));
    h = v128.xor(h, i32x4.shr_u(h, 16));
    h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
    h = v128.xor(h, i32x4.shr_u(h, 13));
    h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
    h = v128.xor(h, i32x4.shr_u(h, 16));
    const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(h, 8)), unit);
    const s = v128.bitselect(vScale, vZero, f32x4.ge(u, vRate));
    const o = <usize>i << 2;
    v128.store(mask + o, s);
    v128.store(y + o, f32x4.mul(v128.load(x + o), s));
    idx = i32x4.add(idx, four);
  }
  for (; i < i1; i++) {
    const u = <f32>(hash32(seed, <u32>i) >>> 8) * (1.0 / 16777216.0);
    const s: f32 = u >= rate ? scale : 0;
    const o = <usize>i << 2;
    store<f32>(mask + o, s);
    store<f32>(y + o, load<f32>(x + o) * s);
  }
}

/**
 * out[j] (+)= Σ_r dy[r][j] over all m rows of an m×n matrix, for columns [j0, j1). Rows stream through once
 * per block of 32 columns, whose sums stay in eight vector registers.
 */
export function colSum(dy: usize, m: i32, n: i32, out: usize, accumulate: i32, j0: i32, j1: i32): void {
  let j = j0;
  for (; j + 32 <= j1; j += 32) {
    const o = out + (<usize>j << 2);
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
    let p = dy + (<usize>j << 2);
    const stride = <usize>n << 2;
    for (let r = 0; r < m; r++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      s4 = f32x4.add(s4, v128.load(p, 64));
      s5 = f32x4.add(s5, v128.load(p, 80));
      s6 = f32x4.add(s6, v128.load(p, 96));
      s7 = f32x4.add(s7, v128.load(p, 112));
      p += stride;
    }
    if (accumulate) {
      s0 = f32x4.add(s0, v128.load(o));
      s1 = f32x4.add(s1, v128.load(o, 16));
      s2 = f32x4.add(s2, v128.load(o, 32));
      s3 = f32x4.add(s3, v128.load(o, 48));
      s4 = f32x4.add(s4, v128.load(o, 64));
      s5 = f32x4.add(s5, v128.load(o, 80));
      s6 = f32x4.add(s6, v128.load(o, 96));
      s7 = f32x4.add(s7, v128.load(o, 112));
    }
    v128.store(o, s0);
    v128.store(o, s1, 16);
    v128.store(o, s2, 32);
    v128.store(o, s3, 48);
    v128.store(o, s4, 64);
    v128.store(o, s5, 80);
    v128.store(o, s6, 96);
    v128.store(o, s7, 112);
  }
  for (; j + 4 <= j1; j += 4) {
    let s = accumulate ? v128.load(out + (<usize>j << 2)) : f32x4.splat(0);
    for (let r = 0; r < m; r++) s = f32x4.add(s, v128.load(dy + (<usize>(r * n + j) << 2)));
    v128.store(out + (<usize>j << 2), s);
  }
  for (; j < j1; j++) {
    let s: f32 = accumulate ? load<f32>(out + (<usize>j << 2)) : 0;
    for (let r = 0; r < m; r++) s += load<f32>(dy + (<usize>(r * n + j) << 2));
    store<f32>(out + (<usize>j << 2), s);
  }
}

/** Row-wise softmax of rows [r0, r1) of an m×n matrix x into y (may alias). */
export function softmax(x: usize, y: usize, n: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>(r * n) << 2);
    const yr = y + (<usize>(r * n) << 2);
    let mx = load<f32>(xr);
    for (let j = 1; j < n; j++) mx = max(mx, load<f32>(xr + (<usize>j << 2)));
    let sum: f32 = 0;
    for (let j = 0; j < n; j++) {
      const e = Mathf.exp(load<f32>(xr + (<usize>j << 2)) - mx);
      store<f32>(yr + (<usize>j << 2), e);
      sum += e;
    }
    const inv: f32 = 1 / sum;
    for (let j = 0; j < n; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * inv);
  }
}

/**
 * Softmax cross-entropy from logits z (rows [r0, r1) of m×n). Targets are class indices (u8 labels) when
 * `labels` != 0, else a dense float distribution `targets`. Returns Σ rows loss; writes dz = (p·Σt − t)·scale
 * when dz != 0.
 */
export function softmaxCrossEntropy(
  z: usize, labels: usize, targets: usize, n: i32, dz: usize, scale: f32, r0: i32, r1: i32,
): f64 {
  let total: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const zr = z + (<usize>(r * n) << 2);
    let mx = load<f32>(zr);
    for (let j = 1; j < n; j++) mx = max(mx, load<f32>(zr + (<usize>j << 2)));
    let sum: f32 = 0;
    for (let j = 0; j < n; j++) sum += Mathf.exp(load<f32>(zr + (<usize>j << 2)) - mx);
    const lse = mx + Mathf.log(sum);
    const inv: f32 = 1 / sum;
    if (labels) {
      const t = <i32>load<u8>(labels + <usize>r);
      total += <f64>(lse - load<f32>(zr + (<usize>t << 2)));
      if (dz) {
        const dr = dz + (<usize>(r * n) << 2);
        for (let j = 0; j < n; j++) {
          const p = Mathf.exp(load<f32>(zr + (<usize>j << 2)) - mx) * inv;
          store<f32>(dr + (<usize>j << 2), (j == t ? p - 1 : p) * scale);
        }
      }
    } else {
      const tr = targets + (<usize>(r * n) << 2);
      let tsum: f32 = 0;
      for (let j = 0; j < n; j++) {
        const t = load<f32>(tr + (<usize>j << 2));
        tsum += t;
        if (t != 0) total += <f64>(t * (lse - load<f32>(zr + (<usize>j << 2))));
      }
      if (dz) {
        const dr = dz + (<usize>(r * n) << 2);
        for (let j = 0; j < n; j++) {
          const p = Mathf.exp(load<f32>(zr + (<usize>j << 2)) - mx) * inv;
          store<f32>(dr + (<usize>j << 2), (p * tsum - load<f32>(tr + (<usize>j << 2))) * scale);
        }
      }
    }
  }
  return total;
}

/** out[r] = argmax_j x[r][j] (first maximum), rows [r0, r1). */
export function argmaxRows(x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>(r * n) << 2);
    let best = 0;
    let bv = load<f32>(xr);
    for (let j = 1; j < n; j++) {
      const v = load<f32>(xr + (<usize>j << 2));
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    store<i32>(out + (<usize>r << 2), best);
  }
}

/** Number of rows in [r0, r1) whose argmax equals the u8 label. */
export function countCorrect(x: usize, n: i32, labels: usize, r0: i32, r1: i32): i32 {
  let correct = 0;
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>(r * n) << 2);
    let best = 0;
    let bv = load<f32>(xr);
    for (let j = 1; j < n; j++) {
      const v = load<f32>(xr + (<usize>j << 2));
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    if (best == <i32>load<u8>(labels + <usize>r)) correct++;
  }
  return correct;
}

/** Writes the columns of x (m×n) holding a nonzero (sign aside) to idx as int32, ascending; returns the count. */
export function activeColumns(x: usize, m: i32, n: i32, idx: usize): i32 {
  // First the bits of each column OR-ed over the rows, in idx itself; then idx compacted in place (the write
  // position never passes the read position).
  memory.fill(idx, 0, <usize>n << 2);
  const magnitude = i32x4.splat(0x7fffffff);
  const n4 = n & ~3;
  for (let r = 0; r < m; r++) {
    const row = x + (<usize>(r * n) << 2);
    let c = 0;
    for (; c < n4; c += 4) {
      const at = idx + (<usize>c << 2);
      v128.store(at, v128.or(v128.load(at), v128.and(v128.load(row + (<usize>c << 2)), magnitude)));
    }
    for (; c < n; c++) {
      const at = idx + (<usize>c << 2);
      store<i32>(at, load<i32>(at) | (load<i32>(row + (<usize>c << 2)) & 0x7fffffff));
    }
  }
  let k = 0;
  for (let c = 0; c < n; c++) {
    if (load<i32>(idx + (<usize>c << 2)) != 0) {
      store<i32>(idx + (<usize>k << 2), c);
      k++;
    }
  }
  return k;
}

/** dst (m×k) = the columns idx[0..k) of src (m×n). */
export function gatherColumns(src: usize, m: i32, n: i32, idx: usize, k: i32, dst: usize): void {
  for (let r = 0; r < m; r++) {
    const s = src + (<usize>(r * n) << 2);
    const d = dst + (<usize>(r * k) << 2);
    for (let j = 0; j < k; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>load<i32>(idx + (<usize>j << 2)) << 2)));
  }
}

/** dst (k×n) = the rows idx[0..k) of src (rows of n floats). */
export function gatherRows(src: usize, n: i32, idx: usize, k: i32, dst: usize): void {
  const bytes = <usize>n << 2;
  for (let j = 0; j < k; j++) memory.copy(dst + <usize>j * bytes, src + <usize>load<i32>(idx + (<usize>j << 2)) * bytes, bytes);
}

/** dst (rows×n) = zeros except row idx[j] = row j of src (k×n). */
export function scatterRows(src: usize, n: i32, idx: usize, k: i32, rows: i32, dst: usize): void {
  // idx ascends: zero the rows between the ones written, not the whole matrix first.
  const bytes = <usize>n << 2;
  let next = 0;
  for (let j = 0; j < k; j++) {
    const row = load<i32>(idx + (<usize>j << 2));
    if (row > next) memory.fill(dst + <usize>next * bytes, 0, <usize>(row - next) * bytes);
    memory.copy(dst + <usize>row * bytes, src + <usize>j * bytes, bytes);
    next = row + 1;
  }
  if (rows > next) memory.fill(dst + <usize>next * bytes, 0, <usize>(rows - next) * bytes);
}

/** dst[r][c] = src[idx[r]][c] · scale + shift for rows [r0, r1): uint8 images to a float batch. */
export function gatherScale(
  src: usize,
  idx: usize,
  rowLen: i32,
  dst: usize,
  scale: f32,
  shift: f32,
  r0: i32,
  r1: i32,
): void {
  const s4 = f32x4.splat(scale);
  const t4 = f32x4.splat(shift);
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>load<i32>(idx + (<usize>r << 2)) * <usize>rowLen;
    const d = dst + (<usize>(r * rowLen) << 2);
    let c = 0;
    for (; c + 16 <= rowLen; c += 16) {
      const bytes = v128.load(s + <usize>c);
      const lo = i16x8.extend_low_i8x16_u(bytes);
      const hi = i16x8.extend_high_i8x16_u(bytes);
      const o = d + (<usize>c << 2);
      v128.store(o, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), s4), t4));
      v128.store(o, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), s4), t4), 16);
      v128.store(o, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), s4), t4), 32);
      v128.store(o, f32x4.add(f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), s4), t4), 48);
    }
    for (; c < rowLen; c++) store<f32>(d + (<usize>c << 2), <f32>load<u8>(s + <usize>c) * scale + shift);
  }
}

/** labels[r] = src[idx[r]] for rows [r0, r1). */
export function gatherLabels(src: usize, idx: usize, dst: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) store<u8>(dst + <usize>r, load<u8>(src + <usize>load<i32>(idx + (<usize>r << 2))));
}

/** dst (rows [r0, r1) of m×n) = one-hot of the u8 labels. */
export function oneHot(labels: usize, n: i32, dst: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const t = <i32>load<u8>(labels + <usize>r);
    const d = dst + (<usize>(r * n) << 2);
    for (let j = 0; j < n; j++) store<f32>(d + (<usize>j << 2), j == t ? 1 : 0);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Optimizer updates over elements [i0, i1). Formulas follow Keras 3.
// ---------------------------------------------------------------------------------------------------------

/** Adam: m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²; p −= lrT·m / (√v + eps). lrT carries bias correction. */
export function adam(
  p: usize, g: usize, mo: usize, ve: usize, lrT: f32, b1: f32, b2: f32, eps: f32, i0: i32, i1: i32,
): void {
  const vb1 = f32x4.splat(b1), vc1 = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2), vc2 = f32x4.splat(1 - b2);
  const vlr = f32x4.splat(lrT), veps = f32x4.splat(eps);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const m = f32x4.add(f32x4.mul(vb1, v128.load(mo + o)), f32x4.mul(vc1, gv));
    const v = f32x4.add(f32x4.mul(vb2, v128.load(ve + o)), f32x4.mul(vc2, f32x4.mul(gv, gv)));
    v128.store(mo + o, m);
    v128.store(ve + o, v);
    v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.div(f32x4.mul(vlr, m), f32x4.add(f32x4.sqrt(v), veps))));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const m = b1 * load<f32>(mo + o) + (1 - b1) * gv;
    const v = b2 * load<f32>(ve + o) + (1 - b2) * gv * gv;
    store<f32>(mo + o, m);
    store<f32>(ve + o, v);
    store<f32>(p + o, load<f32>(p + o) - (lrT * m) / (Mathf.sqrt(v) + eps));
  }
}

/** SGD with momentum: v = mom·v − lr·g; p += nesterov ? mom·v − lr·g : v (plain SGD when mom = 0). */
export function sgd(p: usize, g: usize, vel: usize, lr: f32, mom: f32, nesterov: i32, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    if (mom == 0) {
      store<f32>(p + o, load<f32>(p + o) - lr * gv);
      continue;
    }
    const v = mom * load<f32>(vel + o) - lr * gv;
    store<f32>(vel + o, v);
    store<f32>(p + o, load<f32>(p + o) + (nesterov ? mom * v - lr * gv : v));
  }
}

/** RMSprop: a = rho·a + (1−rho)·g²; p −= lr·g / (√a + eps). */
export function rmsprop(p: usize, g: usize, acc: usize, lr: f32, rho: f32, eps: f32, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const a = rho * load<f32>(acc + o) + (1 - rho) * gv * gv;
    store<f32>(acc + o, a);
    store<f32>(p + o, load<f32>(p + o) - (lr * gv) / (Mathf.sqrt(a) + eps));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Convolution and pooling windows over channels-last (NHWC) images. A geometry block of i32 words in memory
// describes the window: input h, w, c; window kh, kw; strides sh, sw; padding top, left; output oh, ow.
// Row r of an im2col matrix is the output pixel (b, oy, ox) = r; its columns are (ky, kx, ch) in Keras's
// kernel order, so the layer's kernel (kh, kw, c, filters) is the GEMM's right-hand matrix as stored.
// ---------------------------------------------------------------------------------------------------------
const G_H = 0;
const G_W = 1;
const G_C = 2;
const G_KH = 3;
const G_KW = 4;
const G_SH = 5;
const G_SW = 6;
const G_PT = 7;
const G_PL = 8;
const G_OH = 9;
const G_OW = 10;
const G_RELU = 11;

// @ts-ignore: decorator
@inline function geo(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** dst[0..n) += src[0..n) (floats). */
// @ts-ignore: decorator
@inline function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * Rows [r0, r1) of the im2col matrix of x: cols[r − row0][(ky·kw + kx)·c + ch] = x[b][iy][ix][ch], 0 outside
 * (cols holds the rows from row0 on: the whole matrix, or a block of it).
 */
export function im2col(g: usize, x: usize, cols: usize, row0: i32, r0: i32, r1: i32): void {
  const h = geo(g, G_H), w = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), pt = geo(g, G_PT), pl = geo(g, G_PL);
  const oh = geo(g, G_OH), ow = geo(g, G_OW);
  const rowLen = kh * kw * c;
  const run = kw * c; // one window row: kw pixels, contiguous in x when inside
  // (b, oy, ox) of row r0, then stepped along: no division per row.
  let ox = r0 % ow;
  let oy = (r0 / ow) % oh;
  let b = r0 / (ow * oh);
  for (let r = r0; r < r1; r++) {
    const ix0 = ox * sw - pl;
    let dst = cols + (<usize>(r - row0) * rowLen << 2);
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * sh + ky - pt;
      if (iy < 0 || iy >= h) {
        memory.fill(dst, 0, <usize>run << 2);
      } else {
        const rowBase = x + (<usize>((b * h + iy) * w) * c << 2);
        if (ix0 >= 0 && ix0 + kw <= w) {
          const src = rowBase + (<usize>(ix0 * c) << 2);
          if (run <= 8) {
            // Short runs (single-channel inputs): plain moves beat a memory.copy call.
            for (let i = 0; i < run; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
          } else memory.copy(dst, src, <usize>run << 2);
        } else {
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx;
            const d = dst + (<usize>(kx * c) << 2);
            if (ix < 0 || ix >= w) memory.fill(d, 0, <usize>c << 2);
            else memory.copy(d, rowBase + (<usize>(ix * c) << 2), <usize>c << 2);
          }
        }
      }
      dst += <usize>run << 2;
    }
    if (++ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        b++;
      }
    }
  }
}

/**
 * Images [b0, b1) of dx = the sum of im2col rows scattered back (the adjoint of im2col); overwrites dx. cols holds
 * the rows from row0 on.
 */
export function col2im(g: usize, cols: usize, row0: i32, dx: usize, b0: i32, b1: i32): void {
  const h = geo(g, G_H), w = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), pt = geo(g, G_PT), pl = geo(g, G_PL);
  const oh = geo(g, G_OH), ow = geo(g, G_OW);
  const rowLen = kh * kw * c;
  const run = kw * c;
  memory.fill(dx + (<usize>b0 * h * w * c << 2), 0, <usize>(b1 - b0) * h * w * c << 2);
  for (let b = b0; b < b1; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const r = (b * oh + oy) * ow + ox;
        const ix0 = ox * sw - pl;
        let src = cols + (<usize>(r - row0) * rowLen << 2);
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - pt;
          if (iy >= 0 && iy < h) {
            const rowBase = dx + (<usize>((b * h + iy) * w) * c << 2);
            if (ix0 >= 0 && ix0 + kw <= w) {
              addInto(rowBase + (<usize>(ix0 * c) << 2), src, run);
            } else {
              for (let kx = 0; kx < kw; kx++) {
                const ix = ix0 + kx;
                if (ix >= 0 && ix < w) addInto(rowBase + (<usize>(ix * c) << 2), src + (<usize>(kx * c) << 2), c);
              }
            }
          }
          src += <usize>run << 2;
        }
      }
    }
  }
}

/**
 * Output rows [r0, r1) of max pooling: y = the window's maximum per channel (cells outside the image ignored),
 * arg (int32) = the flat x index of its first occurrence, −1 if none (or, after a ReLU, if the maximum is 0).
 */
export function maxPool(g: usize, x: usize, y: usize, arg: usize, r0: i32, r1: i32): void {
  const h = geo(g, G_H), w = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), pt = geo(g, G_PT), pl = geo(g, G_PL);
  const oh = geo(g, G_OH), ow = geo(g, G_OW);
  const reluInput = geo(g, G_RELU) != 0;
  const lanes = i32x4(0, 1, 2, 3);
  const none = i32x4.splat(-1);
  let ox = r0 % ow;
  let oy = (r0 / ow) % oh;
  let b = r0 / (ow * oh);
  for (let r = r0; r < r1; r++) {
    const y0 = max(0, oy * sh - pt), y1 = min(h, oy * sh - pt + kh);
    const x0 = max(0, ox * sw - pl), x1 = min(w, ox * sw - pl + kw);
    const first = ((b * h + y0) * w + x0) * c; // flat index of the window's first cell, channel 0
    const out = y + (<usize>(r * c) << 2);
    const outArg = arg + (<usize>(r * c) << 2);
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      // Track the winning cell's offset from `first`; the flat index is added once at the end.
      let best = f32x4.splat(-Infinity);
      let bestOff = none;
      const p = x + (<usize>(first + ch) << 2);
      for (let iy = 0; iy < y1 - y0; iy++) {
        for (let ix = 0; ix < x1 - x0; ix++) {
          const off = (iy * w + ix) * c;
          const v = v128.load(p + (<usize>off << 2));
          const gt = f32x4.gt(v, best);
          best = v128.bitselect(v, best, gt);
          bestOff = v128.bitselect(i32x4.splat(off), bestOff, gt);
        }
      }
      const found = reluInput ? f32x4.gt(best, f32x4.splat(0)) : i32x4.ne(bestOff, none);
      const at = i32x4.add(i32x4.add(i32x4.splat(first + ch), lanes), bestOff);
      v128.store(out + (<usize>ch << 2), best);
      v128.store(outArg + (<usize>ch << 2), v128.bitselect(at, none, found));
    }
    for (; ch < c; ch++) {
      let best: f32 = -Infinity;
      let bestAt = -1;
      for (let iy = y0; iy < y1; iy++) {
        for (let ix = x0; ix < x1; ix++) {
          const i = ((b * h + iy) * w + ix) * c + ch;
          const v = load<f32>(x + (<usize>i << 2));
          if (v > best) {
            best = v;
            bestAt = i;
          }
        }
      }
      if (reluInput && !(best > 0)) bestAt = -1;
      store<f32>(out + (<usize>ch << 2), best);
      store<i32>(outArg + (<usize>ch << 2), bestAt);
    }
    if (++ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        b++;
      }
    }
  }
}

/** Images [b0, b1) of dx = dy routed to each window's maximum (overwrites dx). */
export function maxPoolBackward(g: usize, dy: usize, arg: usize, dx: usize, b0: i32, b1: i32): void {
  const h = geo(g, G_H), w = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), pt = geo(g, G_PT), pl = geo(g, G_PL);
  const oh = geo(g, G_OH), ow = geo(g, G_OW);
  const inSize = h * w * c;
  const outSize = oh * ow * c;
  if (sh < kh || sw < kw || (c & 3) != 0) {
    // Overlapping windows (a cell can win in several) or ragged channels: zero, then add each gradient in.
    memory.fill(dx + (<usize>b0 * inSize << 2), 0, <usize>(b1 - b0) * inSize << 2);
    for (let i = b0 * outSize; i < b1 * outSize; i++) {
      const at = load<i32>(arg + (<usize>i << 2));
      if (at >= 0) {
        const d = dx + (<usize>at << 2);
        store<f32>(d, load<f32>(d) + load<f32>(dy + (<usize>i << 2)));
      }
    }
    return;
  }
  // Disjoint windows: each cell is written once, dy where it won and 0 elsewhere. Cells no window covers
  // (a remainder row or column, or a gap between windows) are zeroed first.
  const covered = pt == 0 && pl == 0 && sh == kh && sw == kw && oh * sh == h && ow * sw == w;
  if (!covered) memory.fill(dx + (<usize>b0 * inSize << 2), 0, <usize>(b1 - b0) * inSize << 2);
  const lanes = i32x4(0, 1, 2, 3);
  for (let b = b0; b < b1; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(0, oy * sh - pt), y1 = min(h, oy * sh - pt + kh);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(0, ox * sw - pl), x1 = min(w, ox * sw - pl + kw);
        const o = ((b * oh + oy) * ow + ox) * c;
        for (let ch = 0; ch < c; ch += 4) {
          const d = v128.load(dy + (<usize>(o + ch) << 2));
          const a = v128.load(arg + (<usize>(o + ch) << 2));
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const i = ((b * h + iy) * w + ix) * c + ch;
              const won = i32x4.eq(a, i32x4.add(i32x4.splat(i), lanes));
              v128.store(dx + (<usize>i << 2), v128.and(d, won));
            }
          }
        }
      }
    }
  }
}

/**
 * Output rows [r0, r1) of average pooling: the mean of each window's cells inside the image (padding is not
 * counted, as TensorFlow and Keras average).
 */
export function avgPool(g: usize, x: usize, y: usize, r0: i32, r1: i32): void {
  const h = geo(g, G_H), w = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), pt = geo(g, G_PT), pl = geo(g, G_PL);
  const oh = geo(g, G_OH), ow = geo(g, G_OW);
  for (let r = r0; r < r1; r++) {
    const ox = r % ow;
    const t = r / ow;
    const oy = t % oh;
    const b = t / oh;
    const y0 = max(0, oy * sh - pt), y1 = min(h, oy * sh - pt + kh);
    const x0 = max(0, ox * sw - pl), x1 = min(w, ox * sw - pl + kw);
    const inv: f32 = 1 / <f32>((y1 - y0) * (x1 - x0));
    const out = y + (<usize>(r * c) << 2);
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      let sum = f32x4.splat(0);
      for (let iy = y0; iy < y1; iy++)
        for (let ix = x0; ix < x1; ix++) sum = f32x4.add(sum, v128.load(x + (<usize>(((b * h + iy) * w + ix) * c + ch) << 2)));
      v128.store(out + (<usize>ch << 2), f32x4.mul(sum, f32x4.splat(inv)));
    }
    for (; ch < c; ch++) {
      let sum: f32 = 0;
      for (let iy = y0; iy < y1; iy++)
        for (let ix = x0; ix < x1; ix++) sum += load<f32>(x + (<usize>(((b * h + iy) * w + ix) * c + ch) << 2));
      store<f32>(out + (<usize>ch << 2), sum * inv);
    }
  }
}

/** Images [b0, b1) of dx (overwritten) = each window's dy shared equally among its cells inside the image. */
export function avgPoolBackward(g: usize, dy: usize, dx: usize, b0: i32, b1: i32): void {
  const h = geo(g, G_H), w = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), pt = geo(g, G_PT), pl = geo(g, G_PL);
  const oh = geo(g, G_OH), ow = geo(g, G_OW);
  memory.fill(dx + (<usize>b0 * <usize>(h * w * c) << 2), 0, <usize>(b1 - b0) * <usize>(h * w * c) << 2);
  for (let b = b0; b < b1; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const y0 = max(0, oy * sh - pt), y1 = min(h, oy * sh - pt + kh);
        const x0 = max(0, ox * sw - pl), x1 = min(w, ox * sw - pl + kw);
        const inv: f32 = 1 / <f32>((y1 - y0) * (x1 - x0));
        const d = dy + (<usize>(((b * oh + oy) * ow + ox) * c) << 2);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const o = dx + (<usize>(((b * h + iy) * w + ix) * c) << 2);
            let ch = 0;
            for (; ch + 4 <= c; ch += 4) {
              const q = o + (<usize>ch << 2);
              v128.store(q, f32x4.add(v128.load(q), f32x4.mul(v128.load(d + (<usize>ch << 2)), f32x4.splat(inv))));
            }
            for (; ch < c; ch++) {
              const q = o + (<usize>ch << 2);
              store<f32>(q, load<f32>(q) + load<f32>(d + (<usize>ch << 2)) * inv);
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Convolution + bias + ReLU + max pooling in one pass, for convolutions with few taps per output (a first
// layer over one or three channels). im2col + GEMM would write the whole convolution output (26×26×32 per
// MNIST image, 11 MB a batch) only for the pooling to read it back and keep a quarter; here each pooled
// cell's window of convolution outputs is computed in registers and only its maximum and winner are stored.
// Vectors run over 8 filters at a time (filters must be a multiple of 8). `g` is the convolution's window over
// x, `pg` the pooling's over the convolution output (disjoint windows: stride ≥ size, no padding).
// ---------------------------------------------------------------------------------------------------------
/** Images per partial sum of the backward pass (FILTER_GRADIENT_BLOCK in ../kernels.ts): blocks are summed in order. */
const FILTER_GRADIENT_BLOCK: i32 = 8;

/**
 * Images [b0, b1): y[b][py][px][j] = max(0, max over the pool window of z[b][oy][ox][j]), z = bias + the
 * convolution; arg[...] (int32) = the window position (wy·pool kw + wx) of the first maximum, −1 when it is
 * not positive (then no gradient flows: the ReLU's backward).
 */
export function convReluMaxPool(g: usize, pg: usize, x: usize, w: usize, bias: usize, y: usize, arg: usize, b0: i32, b1: i32): void {
  const h = geo(g, G_H), wd = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), pt = geo(g, G_PT), pl = geo(g, G_PL);
  const f = geo(pg, G_C), pkh = geo(pg, G_KH), pkw = geo(pg, G_KW), psh = geo(pg, G_SH), psw = geo(pg, G_SW);
  const poh = geo(pg, G_OH), pow = geo(pg, G_OW);
  const fs = <usize>f << 2; // bytes from one tap's filters to the next
  for (let b = b0; b < b1; b++) {
    const image = x + (<usize>(b * h * wd * c) << 2);
    for (let py = 0; py < poh; py++) {
      for (let px = 0; px < pow; px++) {
        const o = ((b * poh + py) * pow + px) * f;
        const cy = py * psh * sh - pt, cx = px * psw * sw - pl; // the pool window's first input pixel
        if (pkh == 2 && pkw == 2 && cy >= 0 && cy + sh + kh <= h && cx >= 0 && cx + sw + kw <= wd) {
          convReluMaxPool2x2(image + (<usize>((cy * wd + cx) * c) << 2), wd, c, kh, kw, sh, sw, f, w, bias, y, arg, o);
          continue;
        }
        for (let j = 0; j < f; j += 8) {
          let best0 = f32x4.splat(0), best1 = f32x4.splat(0);
          let at0 = i32x4.splat(-1), at1 = i32x4.splat(-1);
          const b0v = bias ? v128.load(bias + (<usize>j << 2)) : f32x4.splat(0);
          const b1v = bias ? v128.load(bias + (<usize>j << 2), 16) : f32x4.splat(0);
          for (let wy = 0; wy < pkh; wy++) {
            for (let wx = 0; wx < pkw; wx++) {
              const iy0 = (py * psh + wy) * sh - pt, ix0 = (px * psw + wx) * sw - pl;
              let a0 = b0v, a1 = b1v;
              let wp = w + (<usize>j << 2);
              if (iy0 >= 0 && iy0 + kh <= h && ix0 >= 0 && ix0 + kw <= wd) {
                for (let ky = 0; ky < kh; ky++) {
                  let p = image + (<usize>(((iy0 + ky) * wd + ix0) * c) << 2);
                  for (let t = 0; t < kw * c; t++) {
                    const v = v128.load32_splat(p);
                    a0 = madd(v, v128.load(wp), a0);
                    a1 = madd(v, v128.load(wp, 16), a1);
                    p += 4;
                    wp += fs;
                  }
                }
              } else {
                // A window over the padding: taps outside the image are zeros.
                for (let ky = 0; ky < kh; ky++) {
                  const iy = iy0 + ky;
                  for (let kx = 0; kx < kw; kx++) {
                    const ix = ix0 + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                      wp += fs * c;
                      continue;
                    }
                    let p = image + (<usize>((iy * wd + ix) * c) << 2);
                    for (let ch = 0; ch < c; ch++) {
                      const v = v128.load32_splat(p);
                      a0 = madd(v, v128.load(wp), a0);
                      a1 = madd(v, v128.load(wp, 16), a1);
                      p += 4;
                      wp += fs;
                    }
                  }
                }
              }
              const q = i32x4.splat(wy * pkw + wx);
              const gt0 = f32x4.gt(a0, best0), gt1 = f32x4.gt(a1, best1);
              best0 = v128.bitselect(a0, best0, gt0);
              best1 = v128.bitselect(a1, best1, gt1);
              at0 = v128.bitselect(q, at0, gt0);
              at1 = v128.bitselect(q, at1, gt1);
            }
          }
          const out = <usize>(o + j) << 2;
          v128.store(y + out, best0);
          v128.store(y + out, best1, 16);
          v128.store(arg + out, at0);
          v128.store(arg + out, at1, 16);
        }
      }
    }
  }
}

/**
 * One pooled cell of convReluMaxPool for a 2×2 pool whose four convolution windows lie inside the image (the
 * common case): the four outputs are computed together, eight accumulators that share each weight load, so
 * the multiply-adds do not wait on one another. `p` is the first window's top-left input pixel.
 */
function convReluMaxPool2x2(
  p: usize, wd: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, f: i32, w: usize, bias: usize, y: usize, arg: usize, o: i32,
): void {
  const right = <usize>(sw * c) << 2; // from a window to the one on its right, and to the one below
  const below = <usize>(sh * wd * c) << 2;
  const rowStep = <usize>(wd * c) << 2;
  const run = kw * c;
  const fs = <usize>f << 2;
  for (let j = 0; j < f; j += 8) {
    const b0v = bias ? v128.load(bias + (<usize>j << 2)) : f32x4.splat(0);
    const b1v = bias ? v128.load(bias + (<usize>j << 2), 16) : f32x4.splat(0);
    let a00 = b0v, a01 = b1v, a10 = b0v, a11 = b1v, a20 = b0v, a21 = b1v, a30 = b0v, a31 = b1v;
    let wp = w + (<usize>j << 2);
    let row = p;
    for (let ky = 0; ky < kh; ky++) {
      let q = row;
      for (let t = 0; t < run; t++) {
        const w0 = v128.load(wp), w1 = v128.load(wp, 16);
        const v0 = v128.load32_splat(q);
        const v1 = v128.load32_splat(q + right);
        const v2 = v128.load32_splat(q + below);
        const v3 = v128.load32_splat(q + below + right);
        a00 = madd(v0, w0, a00);
        a01 = madd(v0, w1, a01);
        a10 = madd(v1, w0, a10);
        a11 = madd(v1, w1, a11);
        a20 = madd(v2, w0, a20);
        a21 = madd(v2, w1, a21);
        a30 = madd(v3, w0, a30);
        a31 = madd(v3, w1, a31);
        q += 4;
        wp += fs;
      }
      row += rowStep;
    }
    // First maximum above 0, in window order (0, 1 / 2, 3), as the general loop finds it.
    const zero = f32x4.splat(0);
    let best0 = zero, best1 = zero;
    let at0 = i32x4.splat(-1), at1 = i32x4.splat(-1);
    let gt0 = f32x4.gt(a00, best0), gt1 = f32x4.gt(a01, best1);
    best0 = v128.bitselect(a00, best0, gt0);
    best1 = v128.bitselect(a01, best1, gt1);
    at0 = v128.bitselect(i32x4.splat(0), at0, gt0);
    at1 = v128.bitselect(i32x4.splat(0), at1, gt1);
    gt0 = f32x4.gt(a10, best0);
    gt1 = f32x4.gt(a11, best1);
    best0 = v128.bitselect(a10, best0, gt0);
    best1 = v128.bitselect(a11, best1, gt1);
    at0 = v128.bitselect(i32x4.splat(1), at0, gt0);
    at1 = v128.bitselect(i32x4.splat(1), at1, gt1);
    gt0 = f32x4.gt(a20, best0);
    gt1 = f32x4.gt(a21, best1);
    best0 = v128.bitselect(a20, best0, gt0);
    best1 = v128.bitselect(a21, best1, gt1);
    at0 = v128.bitselect(i32x4.splat(2), at0, gt0);
    at1 = v128.bitselect(i32x4.splat(2), at1, gt1);
    gt0 = f32x4.gt(a30, best0);
    gt1 = f32x4.gt(a31, best1);
    best0 = v128.bitselect(a30, best0, gt0);
    best1 = v128.bitselect(a31, best1, gt1);
    at0 = v128.bitselect(i32x4.splat(3), at0, gt0);
    at1 = v128.bitselect(i32x4.splat(3), at1, gt1);
    const out = <usize>(o + j) << 2;
    v128.store(y + out, best0);
    v128.store(y + out, best1, 16);
    v128.store(arg + out, at0);
    v128.store(arg + out, at1, 16);
  }
}

/**
 * Images [b0, b1) of convReluMaxPoolBackward for a 2×2 pool over an unpadded convolution with windows of at
 * most 4 rows of at most 4 floats (kh ≤ 4, kw·c ≤ 4: 3×3 or 4×4 over one channel). Each pooled output sends dy
 * to one convolution output, so its filter's kernel gradient gains dy times that output's input window. One
 * filter at a time, the window's rows are summed in registers over every pooled output (lanes past kw·c collect
 * junk from the next pixels and are dropped), then stored in the kernel's layout. Writes pw and pb.
 */
function convReluMaxPoolBackward2x2(
  g: usize, pg: usize, x: usize, dy: usize, arg: usize, pw: usize, pb: usize, work: usize, b0: i32, b1: i32,
): void {
  const h = geo(g, G_H), wd = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW);
  const f = geo(pg, G_C), psh = geo(pg, G_SH), psw = geo(pg, G_SW);
  const poh = geo(pg, G_OH), pow = geo(pg, G_OW);
  const run = kw * c;
  const rowBytes = <usize>(wd * c) << 2;
  const imageBytes = <usize>(h * wd * c) << 2;
  const cellBytes = <usize>f << 2;
  const zero = f32x4.splat(0);
  for (let j = 0; j < f; j++) {
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
    let bsum: f32 = 0;
    let cell = arg + (<usize>(b0 * poh * pow * f + j) << 2);
    let grad = dy + (<usize>(b0 * poh * pow * f + j) << 2);
    let image = x + <usize>b0 * imageBytes;
    for (let b = b0; b < b1; b++) {
      for (let py = 0; py < poh; py++) {
        for (let px = 0; px < pow; px++) {
          const q = load<i32>(cell);
          cell += cellBytes;
          grad += cellBytes;
          if (q < 0) continue;
          const d = load<f32>(grad - cellBytes);
          bsum += d;
          const dv = f32x4.splat(d);
          // The winning convolution output (2·py + q>>1, 2·px + q&1 in pool strides) and its input window.
          const src = image + (<usize>(((py * psh + (q >> 1)) * sh * wd + (px * psw + (q & 1)) * sw) * c) << 2);
          s0 = madd(v128.load(src), dv, s0);
          if (kh > 1) s1 = madd(v128.load(src + rowBytes), dv, s1);
          if (kh > 2) s2 = madd(v128.load(src + 2 * rowBytes), dv, s2);
          if (kh > 3) s3 = madd(v128.load(src + 3 * rowBytes), dv, s3);
        }
      }
      image += imageBytes;
    }
    store<f32>(pb + (<usize>j << 2), bsum);
    v128.store(work, s0);
    v128.store(work, s1, 16);
    v128.store(work, s2, 32);
    v128.store(work, s3, 48);
    for (let ky = 0; ky < kh; ky++)
      for (let i = 0; i < run; i++)
        store<f32>(pw + (<usize>((ky * run + i) * f + j) << 2), load<f32>(work + (<usize>(ky * 4 + i) << 2)));
  }
}

/**
 * Blocks [k0, k1) of FILTER_GRADIENT_BLOCK images of convReluMaxPool's parameter gradients: block k's images send
 * each pooled cell's dy to the convolution output `arg` names, summed into partialW[k] (taps × filters, the
 * kernel's layout) and partialB[k] (filters). The caller sums the blocks (colSum).
 */
export function convReluMaxPoolBackward(
  g: usize, pg: usize, n: i32, x: usize, dy: usize, arg: usize, partialW: usize, partialB: usize, work: usize, k0: i32, k1: i32,
): void {
  const h = geo(g, G_H), wd = geo(g, G_W), c = geo(g, G_C), kh = geo(g, G_KH), kw = geo(g, G_KW);
  const sh = geo(g, G_SH), sw = geo(g, G_SW), pt = geo(g, G_PT), pl = geo(g, G_PL);
  const f = geo(pg, G_C), pkh = geo(pg, G_KH), pkw = geo(pg, G_KW), psh = geo(pg, G_SH), psw = geo(pg, G_SW);
  const poh = geo(pg, G_OH), pow = geo(pg, G_OW);
  const taps = kh * kw * c;
  const fs = <usize>f << 2;
  const rows2x2 = pkh == 2 && pkw == 2 && kh <= 4 && kw * c <= 4 && pt == 0 && pl == 0;
  for (let k = k0; k < k1; k++) {
    const pw = partialW + (<usize>(k * taps * f) << 2);
    const pb = partialB + (<usize>(k * f) << 2);
    const bEnd = min(n, (k + 1) * FILTER_GRADIENT_BLOCK);
    if (rows2x2) {
      convReluMaxPoolBackward2x2(g, pg, x, dy, arg, pw, pb, work, k * FILTER_GRADIENT_BLOCK, bEnd);
      continue;
    }
    memory.fill(pw, 0, <usize>(taps * f) << 2);
    memory.fill(pb, 0, fs);
    for (let b = k * FILTER_GRADIENT_BLOCK; b < bEnd; b++) {
      const image = x + (<usize>(b * h * wd * c) << 2);
      for (let py = 0; py < poh; py++) {
        for (let px = 0; px < pow; px++) {
          const o = ((b * poh + py) * pow + px) * f;
          for (let j = 0; j < f; j += 8) {
            const src = <usize>(o + j) << 2;
            const d0 = v128.load(dy + src), d1 = v128.load(dy + src, 16);
            const a0 = v128.load(arg + src), a1 = v128.load(arg + src, 16);
            const none = i32x4.splat(-1);
            const bp = pb + (<usize>j << 2);
            v128.store(bp, f32x4.add(v128.load(bp), v128.and(d0, i32x4.ne(a0, none))));
            v128.store(bp, f32x4.add(v128.load(bp, 16), v128.and(d1, i32x4.ne(a1, none))), 16);
            for (let wy = 0; wy < pkh; wy++) {
              for (let wx = 0; wx < pkw; wx++) {
                const q = i32x4.splat(wy * pkw + wx);
                const e0 = v128.and(d0, i32x4.eq(a0, q)), e1 = v128.and(d1, i32x4.eq(a1, q));
                if (!v128.any_true(v128.or(e0, e1))) continue;
                const iy0 = (py * psh + wy) * sh - pt, ix0 = (px * psw + wx) * sw - pl;
                let wp = pw + (<usize>j << 2);
                for (let ky = 0; ky < kh; ky++) {
                  const iy = iy0 + ky;
                  for (let kx = 0; kx < kw; kx++) {
                    const ix = ix0 + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                      wp += fs * c;
                      continue;
                    }
                    let p = image + (<usize>((iy * wd + ix) * c) << 2);
                    for (let ch = 0; ch < c; ch++) {
                      const v = v128.load32_splat(p);
                      v128.store(wp, madd(v, e0, v128.load(wp)));
                      v128.store(wp, madd(v, e1, v128.load(wp, 16)), 16);
                      p += 4;
                      wp += fs;
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Per-column statistics and affine maps of an m×c matrix (batch normalization over NHWC rows: m = N·H·W).
// ---------------------------------------------------------------------------------------------------------
const SUM_BLOCK = 256;

/**
 * sumA[j] = Σ_r a[r][j] and sumAB[j] = Σ_r a[r][j]·b[r][j] for columns [j0, j1), as f64. Rows are summed in
 * f32 lanes over blocks of 256, and blocks in f64, so millions of rows keep ~1e-7 relative accuracy.
 * `work` holds 2·c floats of scratch.
 */
export function columnSums2(a: usize, b: usize, m: i32, c: i32, sumA: usize, sumAB: usize, work: usize, j0: i32, j1: i32): void {
  for (let j = j0; j < j1; j++) {
    store<f64>(sumA + (<usize>j << 3), 0);
    store<f64>(sumAB + (<usize>j << 3), 0);
  }
  const accA = work;
  const accAB = work + (<usize>c << 2);
  for (let r0 = 0; r0 < m; r0 += SUM_BLOCK) {
    const r1 = min(m, r0 + SUM_BLOCK);
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      let sa = f32x4.splat(0);
      let sab = f32x4.splat(0);
      for (let r = r0; r < r1; r++) {
        const o = <usize>(r * c + j) << 2;
        const va = v128.load(a + o);
        sa = f32x4.add(sa, va);
        sab = madd(va, v128.load(b + o), sab);
      }
      v128.store(accA + (<usize>j << 2), sa);
      v128.store(accAB + (<usize>j << 2), sab);
    }
    for (; j < j1; j++) {
      let sa: f32 = 0;
      let sab: f32 = 0;
      for (let r = r0; r < r1; r++) {
        const o = <usize>(r * c + j) << 2;
        const va = load<f32>(a + o);
        sa += va;
        sab += va * load<f32>(b + o);
      }
      store<f32>(accA + (<usize>j << 2), sa);
      store<f32>(accAB + (<usize>j << 2), sab);
    }
    for (let jj = j0; jj < j1; jj++) {
      const p = sumA + (<usize>jj << 3);
      const q = sumAB + (<usize>jj << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(accA + (<usize>jj << 2)));
      store<f64>(q, load<f64>(q) + <f64>load<f32>(accAB + (<usize>jj << 2)));
    }
  }
}

/** out[r][j] = s[j]·x[r][j] + t[j] (+ u[j]·z[r][j] when z ≠ 0) for rows [r0, r1) of an m×c matrix. */
export function affineColumns(x: usize, z: usize, c: i32, s: usize, t: usize, u: usize, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = <usize>(r * c) << 2;
    let j = 0;
    if (z) {
      for (; j + 4 <= c; j += 4) {
        const o = <usize>j << 2;
        const v = madd(v128.load(s + o), v128.load(x + row + o), v128.load(t + o));
        v128.store(out + row + o, madd(v128.load(u + o), v128.load(z + row + o), v));
      }
      for (; j < c; j++) {
        const o = <usize>j << 2;
        store<f32>(out + row + o, load<f32>(s + o) * load<f32>(x + row + o) + load<f32>(t + o) + load<f32>(u + o) * load<f32>(z + row + o));
      }
    } else {
      for (; j + 4 <= c; j += 4) {
        const o = <usize>j << 2;
        v128.store(out + row + o, madd(v128.load(s + o), v128.load(x + row + o), v128.load(t + o)));
      }
      for (; j < c; j++) {
        const o = <usize>j << 2;
        store<f32>(out + row + o, load<f32>(s + o) * load<f32>(x + row + o) + load<f32>(t + o));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers for optimizers: weight decay, gradient clipping, Adadelta.
// ---------------------------------------------------------------------------------------------------------

/** y[i] = x[i] · factor; y may alias x. */
export function scale(x: usize, y: usize, factor: f32, i0: i32, i1: i32): void {
  const f = f32x4.splat(factor);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(x + o), f));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) * factor);
  }
}

/** avg[i] = momentum·avg[i] + (1 − momentum)·x[i] over [i0, i1) (a parameter's exponential moving average). */
export function movingAverage(avg: usize, x: usize, momentum: f32, i0: i32, i1: i32): void {
  const rest: f32 = 1 - momentum;
  const m = f32x4.splat(momentum);
  const r = f32x4.splat(rest);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(avg + o, f32x4.add(f32x4.mul(v128.load(avg + o), m), f32x4.mul(v128.load(x + o), r)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(avg + o, load<f32>(avg + o) * momentum + load<f32>(x + o) * rest);
  }
}

/** Σ x[i]² over [i0, i1), summed in f32 lanes over blocks of 1024 and in f64 across blocks. */
export function sumSquares(x: usize, i0: i32, i1: i32): f64 {
  let total: f64 = 0;
  for (let b = i0; b < i1; b += 1024) {
    const e = min(i1, b + 1024);
    let s = f32x4.splat(0);
    let i = b;
    for (; i + 4 <= e; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      s = madd(v, v, s);
    }
    let t: f32 = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
    for (; i < e; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      t += v * v;
    }
    total += <f64>t;
  }
  return total;
}

/** x[i] = min(max(x[i], lo), hi). */
export function clamp(x: usize, lo: f32, hi: f32, i0: i32, i1: i32): void {
  const vl = f32x4.splat(lo), vh = f32x4.splat(hi);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.min(f32x4.max(v128.load(x + o), vl), vh));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, min(max(load<f32>(x + o), lo), hi));
  }
}

/**
 * Adadelta (Keras): A ← ρA + (1−ρ)g²; Δ = √(D + ε)/√(A + ε) · g; D ← ρD + (1−ρ)Δ²; p ← p − lr·Δ.
 */
export function adadelta(p: usize, g: usize, accGrad: usize, accDelta: usize, lr: f32, rho: f32, eps: f32, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const a = rho * load<f32>(accGrad + o) + (1 - rho) * gv * gv;
    const d = load<f32>(accDelta + o);
    const delta = (Mathf.sqrt(d + eps) / Mathf.sqrt(a + eps)) * gv;
    store<f32>(accGrad + o, a);
    store<f32>(accDelta + o, rho * d + (1 - rho) * delta * delta);
    store<f32>(p + o, load<f32>(p + o) - lr * delta);
  }
}
