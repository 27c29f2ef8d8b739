// Grey-level maximum and minimum filters over windows of 2r + 1 pixels along rows or columns (van Herk 1992, Gil
// and Werman 1993), in WebAssembly SIMD: the paper model's closings and openings (src/vision/morphology.ts, whose
// TypeScript functions define the semantics and which tests compare with these). Its own memory: pointers are
// byte offsets the TypeScript side plans from heapBase(); nothing here allocates.

/** First byte the TypeScript side may use. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function pick(a: u8, b: u8, max: bool): u8 {
  return max ? (a > b ? a : b) : a < b ? a : b;
}

// @ts-ignore: decorator
@inline function pick16(a: v128, b: v128, max: bool): v128 {
  return max ? i8x16.max_u(a, b) : i8x16.min_u(a, b);
}

/** dst[0, n) = pick(a[x], b[x]) for each x: sixteen bytes at a time. */
// @ts-ignore: decorator
@inline function pickRows(dst: usize, a: usize, b: usize, n: i32, max: bool): void {
  let x = 0;
  for (; x + 16 <= n; x += 16) v128.store(dst + x, pick16(v128.load(a + x), v128.load(b + x), max));
  for (; x < n; x++) store<u8>(dst + x, pick(load<u8>(a + x), load<u8>(b + x), max));
}

/**
 * Along columns, a whole row at a time. Works in g and h, each ceil((height + 2r) / k) · k rows of `width` bytes
 * (k = 2r + 1): the running maxima (minima) of each block of k padded rows from its top (g) and its bottom (h).
 */
export function filterColumns(
  src: usize,
  out: usize,
  width: i32,
  height: i32,
  r: i32,
  max: bool,
  g: usize,
  h: usize,
): void {
  const k = 2 * r + 1;
  const m = ((height + 2 * r + k - 1) / k) * k;
  const none: u8 = max ? 0 : 255;
  const w = <usize>width;
  for (let b = 0; b < m; b += k) {
    for (let i = b; i < b + k; i++) {
      const s = i - r;
      const o = g + <usize>i * w;
      if (i === b) {
        if (s >= 0 && s < height) memory.copy(o, src + <usize>s * w, w);
        else memory.fill(o, none, w);
      } else if (s >= 0 && s < height) pickRows(o, o - w, src + <usize>s * w, width, max);
      else memory.copy(o, o - w, w);
    }
    for (let i = b + k - 1; i >= b; i--) {
      const s = i - r;
      const o = h + <usize>i * w;
      if (i === b + k - 1) {
        if (s >= 0 && s < height) memory.copy(o, src + <usize>s * w, w);
        else memory.fill(o, none, w);
      } else if (s >= 0 && s < height) pickRows(o, o + w, src + <usize>s * w, width, max);
      else memory.copy(o, o + w, w);
    }
  }
  // The window of output row y is padded rows y … y + 2r.
  for (let y = 0; y < height; y++)
    pickRows(out + <usize>y * w, h + <usize>y * w, g + <usize>(y + k - 1) * w, width, max);
}

/** dst (height×width) = src (width×height) transposed, in 16×16 tiles so that both stay in cache. */
function transpose(src: usize, dst: usize, width: i32, height: i32): void {
  for (let y0 = 0; y0 < height; y0 += 16)
    for (let x0 = 0; x0 < width; x0 += 16) {
      const y1 = min(y0 + 16, height);
      const x1 = min(x0 + 16, width);
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++)
          store<u8>(dst + <usize>x * height + y, load<u8>(src + <usize>y * width + x));
    }
}

/**
 * Along rows: the picture transposed, filtered along its columns sixteen at a time, and transposed back. Works in
 * t (two pictures' bytes, the first where the transposed picture goes) and g and h as filterColumns' for a picture
 * `width` rows tall.
 */
export function filterRows(
  src: usize,
  out: usize,
  width: i32,
  height: i32,
  r: i32,
  max: bool,
  t: usize,
  u: usize,
  g: usize,
  h: usize,
): void {
  transpose(src, t, width, height);
  filterColumns(t, u, height, width, r, max, g, h);
  transpose(u, out, height, width);
}
