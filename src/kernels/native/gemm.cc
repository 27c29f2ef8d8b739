// Optional native GEMM for Node (N-API), built by scripts/build-native.mjs when a C++ compiler is present.
// It also has the fused first-layer convolution + ReLU + max pooling for MNIST's shape (see below).
// WebAssembly SIMD is 128 bits wide; on an x86-64 CPU with AVX2+FMA or AVX-512 this does the same GEMM as
// assembly/kernels.ts `gemm` (same arguments, same row-range contract, same bias/ReLU epilogue) on the very
// same WebAssembly memory, 2–3× faster. Each thread binds the memory it works on once (`bind`), then passes
// byte offsets. Without AVX2+FMA `isa()` says "none" and the JS side keeps the WASM GEMM.
//
// Layout: BLIS-style. B is packed in NR-column panels of KC rows, A in MR-row panels, and an MR×NR register
// tile accumulates one KC block. Every element of C sums its k products in the same order whatever rows a
// thread is given, so results do not depend on the thread count.
#include <node_api.h>

#include <immintrin.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

thread_local uint8_t *g_base = nullptr;
thread_local size_t g_size = 0;

constexpr int KC = 256;
// k up to KC_MAX is one block, not KC + a sliver whose pass is mostly C loads and stores (a 3×3×32
// convolution's 288: 3–5 % faster); assembly/kernels.ts blocks k the same way.
constexpr int KC_MAX = 384;
constexpr int MC = 96;
constexpr int NC = 512;

// Packed panels for this thread (64-byte aligned, sized for the largest MR/NR below).
struct Workspace {
  float *a = nullptr;
  float *b = nullptr;
  Workspace() {
    a = static_cast<float *>(std::aligned_alloc(64, sizeof(float) * (MC + 16) * KC_MAX));
    b = static_cast<float *>(std::aligned_alloc(64, sizeof(float) * (NC + 32) * KC_MAX));
  }
  ~Workspace() {
    std::free(a);
    std::free(b);
  }
};
thread_local Workspace g_work;

struct Gemm {
  bool ta, tb;
  int m, n, k;
  const float *a, *b;
  float *c;
  bool acc;
  const float *bias;
  bool relu;
};

// op(A)[i][p] and op(B)[p][j].
inline float opA(const Gemm &g, int i, int p) { return g.ta ? g.a[(size_t)p * g.m + i] : g.a[(size_t)i * g.k + p]; }
inline float opB(const Gemm &g, int p, int j) { return g.tb ? g.b[(size_t)j * g.k + p] : g.b[(size_t)p * g.n + j]; }

// Rows [i0, i0+mc) × k-range [p0, p0+kc) of op(A) into MR-row panels: panel r, step p holds MR floats.
template <int MR>
void packA(const Gemm &g, int i0, int mc, int p0, int kc, float *dst) {
  for (int ir = 0; ir < mc; ir += MR) {
    const int rows = mc - ir < MR ? mc - ir : MR;
    float *panel = dst + (size_t)ir * kc;
    if (!g.ta) {
      for (int r = 0; r < MR; r++) {
        if (r < rows) {
          const float *src = g.a + (size_t)(i0 + ir + r) * g.k + p0;
          for (int p = 0; p < kc; p++) panel[p * MR + r] = src[p];
        } else {
          for (int p = 0; p < kc; p++) panel[p * MR + r] = 0.f;
        }
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float *src = g.a + (size_t)(p0 + p) * g.m + i0 + ir;
        int r = 0;
        for (; r < rows; r++) panel[p * MR + r] = src[r];
        for (; r < MR; r++) panel[p * MR + r] = 0.f;
      }
    }
  }
}

// Columns [j0, j0+nc) × k-range [p0, p0+kc) of op(B) into NR-column panels: panel c, step p holds NR floats.
template <int NR>
void packB(const Gemm &g, int j0, int nc, int p0, int kc, float *dst) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int cols = nc - jr < NR ? nc - jr : NR;
    float *panel = dst + (size_t)jr * kc;
    if (!g.tb) {
      for (int p = 0; p < kc; p++) {
        const float *src = g.b + (size_t)(p0 + p) * g.n + j0 + jr;
        int j = 0;
        for (; j < cols; j++) panel[p * NR + j] = src[j];
        for (; j < NR; j++) panel[p * NR + j] = 0.f;
      }
    } else {
      for (int j = 0; j < NR; j++) {
        if (j < cols) {
          const float *src = g.b + (size_t)(j0 + jr + j) * g.k + p0;
          for (int p = 0; p < kc; p++) panel[p * NR + j] = src[p];
        } else {
          for (int p = 0; p < kc; p++) panel[p * NR + j] = 0.f;
        }
      }
    }
  }
}

// What the micro-kernel does with its tile when storing: add the old C (a later K block, or accumulate),
// then on the last K block add the bias and apply ReLU.
struct Epilogue {
  bool loadC;
  const float *bias;  // at the tile's first column, or null
  bool relu;
};

// Where a tile reads A. Strided: element (r, p) at p·lda + r — a packed MR-row panel (lda = MR), or a
// transposed A in place (lda = m), whose rows for one p already lie side by side. Rows: A itself, row-major
// with leading dimension lda; rows past `rows` re-read the last valid row, so nothing outside A is touched
// and their results are dropped. Reading A in place spares the packing pass, which costs as much as the
// products when C has only a panel or two of columns (a convolution with 32 or 64 filters).
template <int MR, bool Rows>
struct ALoader;
template <int MR>
struct ALoader<MR, false> {
  const float *a;
  size_t lda;
  ALoader(const float *ap, int ld, int) : a(ap), lda((size_t)ld) {}
  const float &at(int r, int p) const { return a[(size_t)p * lda + r]; }
};
template <int MR>
struct ALoader<MR, true> {
  const float *row[MR];
  ALoader(const float *ap, int lda, int rows) {
    for (int r = 0; r < MR; r++) row[r] = ap + (size_t)(r < rows ? r : rows - 1) * lda;
  }
  const float &at(int r, int p) const { return row[r][p]; }
};

// ---- AVX-512: 12×32 tile, 24 zmm accumulators. Edges use lane masks. A Half tile serves a last panel of at
// most 16 columns (48 or 80 filters) with the first 16 lanes only, so no products are spent on padding. ----
constexpr int MR512 = 12, NR512 = 32;

template <bool Rows, bool Half>
__attribute__((target("avx512f"))) void tile512(int kc, const float *ap, int lda, const float *bp, float *c,
                                                 int ldc, int rows, int cols, Epilogue e) {
  ALoader<MR512, Rows> a(ap, lda, rows);
  __m512 acc[MR512][2];
#pragma GCC unroll 12
  for (int r = 0; r < MR512; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(bp);
    if constexpr (Half) {
#pragma GCC unroll 12
      for (int r = 0; r < MR512; r++) acc[r][0] = _mm512_fmadd_ps(_mm512_set1_ps(a.at(r, p)), b0, acc[r][0]);
    } else {
      const __m512 b1 = _mm512_load_ps(bp + 16);
#pragma GCC unroll 12
      for (int r = 0; r < MR512; r++) {
        const __m512 av = _mm512_set1_ps(a.at(r, p));
        acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
      }
    }
    bp += NR512;
  }
  const __mmask16 m0 = cols >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? (__mmask16)0xffff : cols <= 16 ? (__mmask16)0 : (__mmask16)((1u << (cols - 16)) - 1);
  __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
  if (e.bias) {
    bias0 = _mm512_maskz_loadu_ps(m0, e.bias);
    bias1 = _mm512_maskz_loadu_ps(m1, e.bias + 16);
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 12
  for (int r = 0; r < MR512; r++) {
    if (r >= rows) break;
    float *row = c + (size_t)r * ldc;
    __m512 v0 = acc[r][0], v1 = acc[r][1];
    if (e.loadC) {
      v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), v0);
      v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, row + 16), v1);
    }
    if (e.bias) {
      v0 = _mm512_add_ps(v0, bias0);
      v1 = _mm512_add_ps(v1, bias1);
    }
    if (e.relu) {
      v0 = _mm512_max_ps(v0, zero);
      v1 = _mm512_max_ps(v1, zero);
    }
    _mm512_mask_storeu_ps(row, m0, v0);
    _mm512_mask_storeu_ps(row + 16, m1, v1);
  }
}

// ---- AVX2 + FMA: 6×16 tile, 12 ymm accumulators. Edges go through a stack tile; a Half tile as above. ----
constexpr int MR256 = 6, NR256 = 16;

template <bool Rows, bool Half>
__attribute__((target("avx2,fma"))) void tile256(int kc, const float *ap, int lda, const float *bp, float *c,
                                                 int ldc, int rows, int cols, Epilogue e) {
  ALoader<MR256, Rows> a(ap, lda, rows);
  __m256 acc[MR256][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR256; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(bp);
    if constexpr (Half) {
#pragma GCC unroll 6
      for (int r = 0; r < MR256; r++) acc[r][0] = _mm256_fmadd_ps(_mm256_broadcast_ss(&a.at(r, p)), b0, acc[r][0]);
    } else {
      const __m256 b1 = _mm256_load_ps(bp + 8);
#pragma GCC unroll 6
      for (int r = 0; r < MR256; r++) {
        const __m256 av = _mm256_broadcast_ss(&a.at(r, p));
        acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
      }
    }
    bp += NR256;
  }
  alignas(32) float tile[MR256][NR256];
#pragma GCC unroll 6
  for (int r = 0; r < MR256; r++) {
    _mm256_store_ps(tile[r], acc[r][0]);
    _mm256_store_ps(tile[r] + 8, acc[r][1]);
  }
  for (int r = 0; r < rows; r++) {
    float *row = c + (size_t)r * ldc;
    for (int j = 0; j < cols; j++) {
      float v = tile[r][j];
      if (e.loadC) v = row[j] + v;
      if (e.bias) v += e.bias[j];
      if (e.relu && !(v > 0.f)) v = 0.f;
      row[j] = v;
    }
  }
}

using TileFn = void (*)(int, const float *, int, const float *, float *, int, int, int, Epilogue);
TileFn kTiles512[2] = {tile512<false, false>, tile512<false, true>};
TileFn kRowsTiles512[2] = {tile512<true, false>, tile512<true, true>};
TileFn kTiles256[2] = {tile256<false, false>, tile256<false, true>};
TileFn kRowsTiles256[2] = {tile256<true, false>, tile256<true, true>};

// Rows [r0, r1) of C. Tile reads packed or transposed A, RowsTile row-major A in place; each comes in a full
// and a half-width version (index 1), the latter for a last panel of at most NR / 2 columns.
template <int MR, int NR, TileFn Tile[2], TileFn RowsTile[2]>
void gemmRows(const Gemm &g, int r0, int r1) {
  float *pa = g_work.a, *pb = g_work.b;
  if (g.k == 0) {
    // No products: C = (acc ? C : 0) + bias, then ReLU.
    for (int i = r0; i < r1; i++) {
      float *row = g.c + (size_t)i * g.n;
      for (int j = 0; j < g.n; j++) {
        float v = g.acc ? row[j] : 0.f;
        if (g.bias) v += g.bias[j];
        if (g.relu && !(v > 0.f)) v = 0.f;
        row[j] = v;
      }
    }
    return;
  }
  // Narrow C (up to 4 panels of columns, e.g. a convolution's 32–128 filters): read A in place rather than
  // pack it for so few panels. Measured on conv shapes: 1.4–3× faster than packing. K is blocked as the
  // WASM GEMM blocks it (KC, or one block up to KC_MAX), so both give the same bits.
  const bool inPlace = g.n <= 4 * NR;
  for (int j0 = 0; j0 < g.n; j0 += NC) {
    const int nc = g.n - j0 < NC ? g.n - j0 : NC;
    const int kcBlock = g.k <= KC_MAX ? g.k : KC;
    for (int p0 = 0; p0 < g.k; p0 += kcBlock) {
      const int kc = g.k - p0 < kcBlock ? g.k - p0 : kcBlock;
      const bool last = p0 + kc == g.k;
      packB<NR>(g, j0, nc, p0, kc, pb);
      for (int i0 = r0; i0 < r1; i0 += MC) {
        const int mc = r1 - i0 < MC ? r1 - i0 : MC;
        if (!inPlace) packA<MR>(g, i0, mc, p0, kc, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          const int cols = nc - jr < NR ? nc - jr : NR;
          const int half = cols <= NR / 2;
          const Epilogue e{p0 > 0 || g.acc, last && g.bias ? g.bias + j0 + jr : nullptr, last && g.relu};
          const float *b = pb + (size_t)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            const int rows = mc - ir < MR ? mc - ir : MR;
            float *c = g.c + (size_t)(i0 + ir) * g.n + j0 + jr;
            if (inPlace && !g.ta) {
              RowsTile[half](kc, g.a + (size_t)(i0 + ir) * g.k + p0, g.k, b, c, g.n, rows, cols, e);
            } else if (inPlace && rows == MR) {
              Tile[half](kc, g.a + (size_t)p0 * g.m + i0 + ir, g.m, b, c, g.n, rows, cols, e);
            } else {
              // A transposed A's partial last panel is packed (zero-padded): its rows cannot be clamped in place.
              if (inPlace) packA<MR>(g, i0 + ir, rows, p0, kc, pa + (size_t)ir * kc);
              Tile[half](kc, pa + (size_t)ir * kc, MR, b, c, g.n, rows, cols, e);
            }
          }
        }
      }
    }
  }
}

// ---- Fused first-layer convolution + bias + ReLU + 2×2 max pooling (assembly/kernels.ts convReluMaxPool) ----
// For the shape MNIST models start with (3×3 kernel over one channel, unpadded, pooled 2×2 over disjoint
// windows) the 9 taps of a filter group live in registers, W filters per vector. Other shapes return false and
// the WebAssembly kernel runs them. Written once with GCC vector types; each ISA instantiates it under its
// target attribute (AVX-512: 16 lanes, AVX2: 8).

// A window block as the kernels lay it out (window.ts): h w c kh kw sh sw padTop padLeft oh ow reluInput.
struct Geo {
  int h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, relu;
};
inline Geo readGeo(const uint8_t *p) {
  Geo g;
  std::memcpy(&g, p, sizeof g);
  return g;
}

constexpr int FUSED_TAPS = 9;
constexpr int FILTER_GRADIENT_BLOCK = 8;  // images per partial sum, as kernels.ts

inline bool fusedShapeOk(const Geo &g, const Geo &pg, int lanes) {
  return g.kh == 3 && g.kw == 3 && g.c == 1 && g.pt == 0 && g.pl == 0 && pg.kh == 2 && pg.kw == 2 &&
         pg.sh >= 2 && pg.sw >= 2 && pg.pt == 0 && pg.pl == 0 && pg.c % lanes == 0;
}

template <int W>
struct Vec {
  typedef float F __attribute__((vector_size(W * 4)));
  typedef int32_t I __attribute__((vector_size(W * 4)));
  typedef float UF __attribute__((vector_size(W * 4), aligned(4)));
  typedef int32_t UI __attribute__((vector_size(W * 4), aligned(4)));
};

// Images [b0, b1): y = the window's maximum of max(0, bias + convolution), arg = its window position or −1.
template <int W>
inline __attribute__((always_inline)) void convPoolForwardT(const Geo &g, const Geo &pg, const float *x,
                                                             const float *wt, const float *bias, float *y,
                                                             int32_t *arg, int b0, int b1) {
  using F = typename Vec<W>::F;
  using I = typename Vec<W>::I;
  using UF = typename Vec<W>::UF;
  using UI = typename Vec<W>::UI;
  const int f = pg.c;
  const size_t image = (size_t)g.h * g.w;
  for (int j = 0; j < f; j += W) {
    F wv[FUSED_TAPS];
    for (int t = 0; t < FUSED_TAPS; t++) wv[t] = *(const UF *)(wt + (size_t)t * f + j);
    const F b = bias ? *(const UF *)(bias + j) : F{};
    for (int n = b0; n < b1; n++) {
      const float *img = x + n * image;
      for (int py = 0; py < pg.oh; py++) {
        for (int px = 0; px < pg.ow; px++) {
          F best = F{};
          I at = I{} - 1;
          for (int q = 0; q < 4; q++) {
            const float *o = img + (size_t)((py * pg.sh + (q >> 1)) * g.sh) * g.w + (px * pg.sw + (q & 1)) * g.sw;
            F acc = b;
            for (int ky = 0; ky < 3; ky++)
              for (int kx = 0; kx < 3; kx++) acc += o[ky * g.w + kx] * wv[ky * 3 + kx];
            const I gt = acc > best;
            best = gt ? acc : best;
            at = gt ? (I{} + q) : at;
          }
          const size_t out = ((size_t)(n * pg.oh + py) * pg.ow + px) * f + j;
          *(UF *)(y + out) = best;
          *(UI *)(arg + out) = at;
        }
      }
    }
  }
}

// Blocks [k0, k1) of FILTER_GRADIENT_BLOCK images: partialW[k] (taps × f) and partialB[k] (f), the filter
// gradient's 9 taps summed in registers for one vector of filters at a time.
template <int W>
inline __attribute__((always_inline)) void convPoolBackwardT(const Geo &g, const Geo &pg, int nImages,
                                                              const float *x, const float *dy, const int32_t *arg,
                                                              float *partialW, float *partialB, int k0, int k1) {
  using F = typename Vec<W>::F;
  using I = typename Vec<W>::I;
  using UF = typename Vec<W>::UF;
  using UI = typename Vec<W>::UI;
  const int f = pg.c;
  const size_t image = (size_t)g.h * g.w;
  for (int k = k0; k < k1; k++) {
    const int nEnd = (k + 1) * FILTER_GRADIENT_BLOCK < nImages ? (k + 1) * FILTER_GRADIENT_BLOCK : nImages;
    for (int j = 0; j < f; j += W) {
      F acc[FUSED_TAPS];
      for (int t = 0; t < FUSED_TAPS; t++) acc[t] = F{};
      F bsum = F{};
      for (int n = k * FILTER_GRADIENT_BLOCK; n < nEnd; n++) {
        const float *img = x + n * image;
        for (int py = 0; py < pg.oh; py++) {
          for (int px = 0; px < pg.ow; px++) {
            const size_t cell = ((size_t)(n * pg.oh + py) * pg.ow + px) * f + j;
            const F d = *(const UF *)(dy + cell);
            const I a = *(const UI *)(arg + cell);
            bsum += (a >= 0) ? d : F{};
            for (int q = 0; q < 4; q++) {
              const F e = (a == q) ? d : F{};
              const float *o = img + (size_t)((py * pg.sh + (q >> 1)) * g.sh) * g.w + (px * pg.sw + (q & 1)) * g.sw;
              for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) acc[ky * 3 + kx] += o[ky * g.w + kx] * e;
            }
          }
        }
      }
      for (int t = 0; t < FUSED_TAPS; t++) *(UF *)(partialW + ((size_t)k * FUSED_TAPS + t) * f + j) = acc[t];
      *(UF *)(partialB + (size_t)k * f + j) = bsum;
    }
  }
}

__attribute__((target("avx512f"))) void convPoolForward512(const Geo &g, const Geo &pg, const float *x,
                                                           const float *wt, const float *bias, float *y,
                                                           int32_t *arg, int b0, int b1) {
  convPoolForwardT<16>(g, pg, x, wt, bias, y, arg, b0, b1);
}
__attribute__((target("avx2,fma"))) void convPoolForward256(const Geo &g, const Geo &pg, const float *x,
                                                            const float *wt, const float *bias, float *y,
                                                            int32_t *arg, int b0, int b1) {
  convPoolForwardT<8>(g, pg, x, wt, bias, y, arg, b0, b1);
}
__attribute__((target("avx512f"))) void convPoolBackward512(const Geo &g, const Geo &pg, int n, const float *x,
                                                            const float *dy, const int32_t *arg, float *pw,
                                                            float *pb, int k0, int k1) {
  convPoolBackwardT<16>(g, pg, n, x, dy, arg, pw, pb, k0, k1);
}
__attribute__((target("avx2,fma"))) void convPoolBackward256(const Geo &g, const Geo &pg, int n, const float *x,
                                                             const float *dy, const int32_t *arg, float *pw,
                                                             float *pb, int k0, int k1) {
  convPoolBackwardT<8>(g, pg, n, x, dy, arg, pw, pb, k0, k1);
}

enum class Isa { None, Avx2, Avx512 };

// The widest the CPU has; DIGITS_NATIVE=avx2 in the environment picks the AVX2 tile on an AVX-512 CPU (tests
// check both tiles on one machine).
Isa detect() {
  __builtin_cpu_init();
  const char *want = std::getenv("DIGITS_NATIVE");
  const bool avx2Only = want && std::strcmp(want, "avx2") == 0;
  if (__builtin_cpu_supports("avx512f") && !avx2Only) return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
  return Isa::None;
}
const Isa g_isa = detect();

// ---- N-API glue ----

napi_value throwError(napi_env env, const char *msg) {
  napi_throw_error(env, "DIGITS_NATIVE", msg);
  return nullptr;
}

// bind(view: Uint8Array over the whole memory): this thread's GEMMs address that memory.
napi_value Bind(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool isTyped = false;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &isTyped) != napi_ok || !isTyped)
    return throwError(env, "bind expects a Uint8Array over the kernel memory");
  napi_typedarray_type type;
  size_t length = 0;
  void *data = nullptr;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array)
    return throwError(env, "bind expects a Uint8Array over the kernel memory");
  g_base = static_cast<uint8_t *>(data);
  g_size = length;
  return nullptr;
}

// gemm(ta, tb, m, n, k, a, b, c, acc, bias, relu, r0, r1): offsets in bytes into the bound memory.
napi_value GemmCall(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 13) return throwError(env, "gemm expects 13 arguments");
  int64_t v[13];
  for (int i = 0; i < 13; i++) {
    if (napi_get_value_int64(env, argv[i], &v[i]) != napi_ok) return throwError(env, "gemm arguments must be numbers");
  }
  if (!g_base) return throwError(env, "gemm called before bind");
  const int64_t m = v[2], n = v[3], k = v[4], r0 = v[11], r1 = v[12];
  if (m < 0 || n < 0 || k < 0 || r0 < 0 || r1 > m || r0 > r1 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
    return throwError(env, "gemm sizes out of range");
  // Every region must lie inside the memory: a wrong offset must be an error, not a crash.
  auto inside = [&](int64_t off, int64_t floats) {
    return off >= 0 && (off & 3) == 0 && off + floats * 4 <= (int64_t)g_size;
  };
  if (!inside(v[5], m * k) || !inside(v[6], k * n) || !inside(v[7], m * n) || (v[9] != 0 && !inside(v[9], n)))
    return throwError(env, "gemm operand outside the kernel memory");
  Gemm g{v[0] != 0,
         v[1] != 0,
         (int)m,
         (int)n,
         (int)k,
         reinterpret_cast<const float *>(g_base + v[5]),
         reinterpret_cast<const float *>(g_base + v[6]),
         reinterpret_cast<float *>(g_base + v[7]),
         v[8] != 0,
         v[9] != 0 ? reinterpret_cast<const float *>(g_base + v[9]) : nullptr,
         v[10] != 0};
  if (r1 > r0) {
    if (g_isa == Isa::Avx512)
      gemmRows<MR512, NR512, kTiles512, kRowsTiles512>(g, (int)r0, (int)r1);
    else if (g_isa == Isa::Avx2)
      gemmRows<MR256, NR256, kTiles256, kRowsTiles256>(g, (int)r0, (int)r1);
    else
      return throwError(env, "this CPU lacks AVX2+FMA; use the WebAssembly GEMM");
  }
  return nullptr;
}

// Reads `count` int64 arguments; false (with a JS error thrown) if they are missing or not numbers.
bool int64Args(napi_env env, napi_callback_info info, int64_t *v, size_t count) {
  napi_value argv[16];
  size_t argc = count;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < count) {
    throwError(env, "missing arguments");
    return false;
  }
  for (size_t i = 0; i < count; i++)
    if (napi_get_value_int64(env, argv[i], &v[i]) != napi_ok) {
      throwError(env, "arguments must be numbers");
      return false;
    }
  if (!g_base) {
    throwError(env, "called before bind");
    return false;
  }
  return true;
}

bool insideMemory(int64_t off, int64_t bytes) { return off >= 0 && (off & 3) == 0 && off + bytes <= (int64_t)g_size; }

napi_value boolean(napi_env env, bool v) {
  napi_value out;
  napi_get_boolean(env, v, &out);
  return out;
}

// Window blocks at two offsets, checked to lie in memory and to be the shape the fused kernels take.
bool fusedGeometry(int64_t gOff, int64_t pgOff, Geo &g, Geo &pg) {
  if (!insideMemory(gOff, sizeof(Geo)) || !insideMemory(pgOff, sizeof(Geo))) return false;
  g = readGeo(g_base + gOff);
  pg = readGeo(g_base + pgOff);
  const int lanes = g_isa == Isa::Avx512 ? 16 : 8;
  return g_isa != Isa::None && fusedShapeOk(g, pg, lanes) && pg.h == g.oh && pg.w == g.ow;
}

// convReluMaxPool(g, pg, x, w, bias, y, arg, n, b0, b1) → true if done, false if the shape is not one it takes.
napi_value ConvPoolCall(napi_env env, napi_callback_info info) {
  int64_t v[10];
  if (!int64Args(env, info, v, 10)) return nullptr;
  Geo g, pg;
  if (!fusedGeometry(v[0], v[1], g, pg)) return boolean(env, false);
  const int64_t n = v[7], b0 = v[8], b1 = v[9];
  const int64_t out = n * pg.oh * pg.ow * pg.c;
  if (n < 0 || b0 < 0 || b1 > n || b0 > b1 || !insideMemory(v[2], n * g.h * g.w * 4) ||
      !insideMemory(v[3], (int64_t)FUSED_TAPS * pg.c * 4) || (v[4] && !insideMemory(v[4], pg.c * 4)) ||
      !insideMemory(v[5], out * 4) || !insideMemory(v[6], out * 4))
    return throwError(env, "convReluMaxPool operand outside the kernel memory");
  const float *bias = v[4] ? reinterpret_cast<const float *>(g_base + v[4]) : nullptr;
  auto F = [](int64_t o) { return reinterpret_cast<float *>(g_base + o); };
  auto run = g_isa == Isa::Avx512 ? convPoolForward512 : convPoolForward256;
  run(g, pg, F(v[2]), F(v[3]), bias, F(v[5]), reinterpret_cast<int32_t *>(g_base + v[6]), (int)b0, (int)b1);
  return boolean(env, true);
}

// convReluMaxPoolBackward(g, pg, n, x, dy, arg, partialW, partialB, k0, k1) → true if done (as above).
napi_value ConvPoolBackwardCall(napi_env env, napi_callback_info info) {
  int64_t v[10];
  if (!int64Args(env, info, v, 10)) return nullptr;
  Geo g, pg;
  if (!fusedGeometry(v[0], v[1], g, pg)) return boolean(env, false);
  const int64_t n = v[2], k0 = v[8], k1 = v[9];
  const int64_t blocks = (n + FILTER_GRADIENT_BLOCK - 1) / FILTER_GRADIENT_BLOCK;
  const int64_t out = n * pg.oh * pg.ow * pg.c;
  if (n < 0 || k0 < 0 || k1 > blocks || k0 > k1 || !insideMemory(v[3], n * g.h * g.w * 4) ||
      !insideMemory(v[4], out * 4) || !insideMemory(v[5], out * 4) ||
      !insideMemory(v[6], blocks * FUSED_TAPS * pg.c * 4) || !insideMemory(v[7], blocks * pg.c * 4))
    return throwError(env, "convReluMaxPoolBackward operand outside the kernel memory");
  auto F = [](int64_t o) { return reinterpret_cast<float *>(g_base + o); };
  auto run = g_isa == Isa::Avx512 ? convPoolBackward512 : convPoolBackward256;
  run(g, pg, (int)n, F(v[3]), F(v[4]), reinterpret_cast<const int32_t *>(g_base + v[5]), F(v[6]), F(v[7]),
      (int)k0, (int)k1);
  return boolean(env, true);
}

// isa(): "avx512", "avx2" or "none".
napi_value IsaCall(napi_env env, napi_callback_info) {
  const char *s = g_isa == Isa::Avx512 ? "avx512" : g_isa == Isa::Avx2 ? "avx2" : "none";
  napi_value out;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out);
  return out;
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"bind", nullptr, Bind, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gemm", nullptr, GemmCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isa", nullptr, IsaCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convReluMaxPool", nullptr, ConvPoolCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convReluMaxPoolBackward", nullptr, ConvPoolBackwardCall, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 5, props);
  return exports;
}
