/**
 * Training-time data augmentation on uint8 grayscale images: one random affine warp per image (rotation,
 * scale, shear, translation) sampled bilinearly, optionally preceded by a stroke-width change (grayscale
 * dilation or erosion) and an elastic distortion (Simard, Steinkraus & Platt 2003: a random displacement field
 * smoothed by a Gaussian). Randomness comes from the caller's seeded
 * generator, so augmented runs repeat exactly. Buffers are allocated once per augmenter, not per image.
 */

export interface AugmentOptions {
  /** Maximum rotation in degrees, either way. */
  rotation?: number;
  /** Maximum translation as a fraction of the image size, each axis (Keras's width/height_shift_range). */
  shift?: number;
  /** Scale drawn from [1 − zoom, 1 + zoom]. */
  zoom?: number;
  /** Maximum shear angle in degrees, either way. */
  shear?: number;
  /** Elastic distortion: displacement strength α (pixels) and smoothness σ (pixels); off when absent. */
  elastic?: { alpha: number; sigma: number };
  /**
   * Maximum stroke-width change, either way, in 3×3 dilation (thicker) or erosion (thinner) passes; fractions
   * blend the last pass in, so 0.5 is half a pixel's growth on each side of a stroke. Pens and markers differ.
   */
  thickness?: number;
}

/** Named recipes for `--augment`. */
export const AUGMENT_PRESETS = {
  none: {},
  /** Small shifts and rotations: the classic MNIST recipe (Keras examples, Kaggle kernels); cnn-best's default. */
  light: { rotation: 10, shift: 0.1, zoom: 0.1 },
  /** Adds shear. */
  standard: { rotation: 10, shift: 0.1, zoom: 0.1, shear: 10 },
  /** Adds elastic distortion (Simard et al. use α 34, σ 4 on 28×28). */
  strong: { rotation: 12, shift: 0.12, zoom: 0.15, shear: 12, elastic: { alpha: 34, sigma: 4 } },
  /** For real photos and scans: the standard warp plus stroke-width changes; the shipped model's recipe. */
  robust: { rotation: 12, shift: 0.1, zoom: 0.15, shear: 10, thickness: 0.7 },
} as const satisfies Record<string, AugmentOptions>;
export type AugmentPreset = keyof typeof AUGMENT_PRESETS;
export const AUGMENT_PRESET_NAMES = Object.keys(AUGMENT_PRESETS) as AugmentPreset[];

/** Checks the options; returns what is wrong, or null. */
export function augmentProblem(o: AugmentOptions): string | null {
  const range = (v: number | undefined, name: string, max: number) =>
    v === undefined || (Number.isFinite(v) && v >= 0 && v <= max) ? null : `${name} must be in [0, ${max}], got ${v}`;
  return (
    range(o.rotation, 'rotation', 180) ??
    range(o.shift, 'shift', 1) ??
    range(o.zoom, 'zoom', 0.9) ??
    range(o.shear, 'shear', 60) ??
    range(o.thickness, 'thickness', 3) ??
    (o.elastic
      ? (range(o.elastic.alpha, 'elastic alpha', 1000) ?? range(o.elastic.sigma, 'elastic sigma', 100))
      : null) ??
    (o.elastic && !(o.elastic.sigma > 0) ? 'elastic sigma must be positive' : null)
  );
}

/** src(x, y), 0 outside the image. */
function pixel(src: Uint8Array, h: number, w: number, x: number, y: number): number {
  return x >= 0 && x < w && y >= 0 && y < h ? src[y * w + x] : 0;
}

/**
 * Warps one h×w image: out(x, y) = bilinear sample of src at M·(x − cx, y − cy) + (cx + tx, cy + ty), zero
 * outside; (dx, dy), when given, displace each output pixel first (elastic distortion). M maps output to input.
 */
export function affineWarp(
  src: Uint8Array,
  out: Uint8Array,
  h: number,
  w: number,
  m: readonly [number, number, number, number],
  tx: number,
  ty: number,
  dx: Float32Array | null = null,
  dy: Float32Array | null = null,
): void {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const px = x - cx + (dx ? dx[i] : 0);
      const py = y - cy + (dy ? dy[i] : 0);
      const sx = m[0] * px + m[1] * py + cx + tx;
      const sy = m[2] * px + m[3] * py + cy + ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const v =
        (1 - fy) * ((1 - fx) * pixel(src, h, w, x0, y0) + fx * pixel(src, h, w, x0 + 1, y0)) +
        fy * ((1 - fx) * pixel(src, h, w, x0, y0 + 1) + fx * pixel(src, h, w, x0 + 1, y0 + 1));
      out[i] = Math.round(v);
    }
  }
}

/**
 * Grows (amount > 0) or thins (amount < 0) the strokes of one h×w image: whole 3×3 max (min) filter passes, then
 * the last pass blended in by the fraction left over. `tmp` is scratch of h·w; src and out may not overlap.
 */
export function strokeWidth(
  src: Uint8Array,
  out: Uint8Array,
  h: number,
  w: number,
  amount: number,
  tmp: Uint8Array,
): void {
  out.set(src.subarray(0, h * w));
  const grow = amount > 0;
  let left = Math.abs(amount);
  while (left > 0) {
    const t = Math.min(1, left);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let v = out[y * w + x];
        for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++)
          for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
            const n = out[yy * w + xx];
            v = grow ? (n > v ? n : v) : n < v ? n : v;
          }
        tmp[y * w + x] = v;
      }
    for (let i = 0; i < h * w; i++) out[i] = Math.round(out[i] + t * (tmp[i] - out[i]));
    left -= t;
  }
}

/** Separable Gaussian blur of an h×w float field in place (zero beyond the edges); `tmp` is scratch of the same size. */
function gaussianBlur(field: Float32Array, tmp: Float32Array, h: number, w: number, kernel: Float32Array): void {
  const r = (kernel.length - 1) / 2;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        const xx = x + k;
        if (xx >= 0 && xx < w) s += kernel[k + r] * field[y * w + xx];
      }
      tmp[y * w + x] = s;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        const yy = y + k;
        if (yy >= 0 && yy < h) s += kernel[k + r] * tmp[yy * w + x];
      }
      field[y * w + x] = s;
    }
}

/** A batch augmenter for `fit`: images rows × (h·w) uint8 in, augmented out, randomness from `random`. */
export function makeAugmenter(
  options: AugmentOptions,
  h: number,
  w: number,
): (images: Uint8Array, rows: number, out: Uint8Array, random: () => number) => void {
  const problem = augmentProblem(options);
  if (problem) throw new RangeError(`augmentation: ${problem}`);
  const deg = Math.PI / 180;
  const pixels = h * w;
  const elastic = options.elastic && options.elastic.alpha > 0 ? options.elastic : null;
  const dx = elastic ? new Float32Array(pixels) : null;
  const dy = elastic ? new Float32Array(pixels) : null;
  const tmp = elastic ? new Float32Array(pixels) : null;
  let kernel = new Float32Array(1);
  if (elastic) {
    const r = Math.max(1, Math.ceil(3 * elastic.sigma));
    kernel = Float32Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * elastic.sigma ** 2)));
    const sum = kernel.reduce((a, b) => a + b, 0);
    for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  }
  const thick = options.thickness ? new Uint8Array(pixels) : null;
  const thickTmp = options.thickness ? new Uint8Array(pixels) : null;
  const uniform = (random: () => number, max: number) => (max ? (random() * 2 - 1) * max : 0);
  return (images, rows, out, random) => {
    for (let r = 0; r < rows; r++) {
      let source = images.subarray(r * pixels, (r + 1) * pixels);
      if (thick) {
        strokeWidth(source, thick, h, w, uniform(random, options.thickness!), thickTmp!);
        source = thick;
      }
      const angle = uniform(random, options.rotation ?? 0) * deg;
      const shear = uniform(random, options.shear ?? 0) * deg;
      const s = 1 + uniform(random, options.zoom ?? 0);
      const tx = uniform(random, (options.shift ?? 0) * w);
      const ty = uniform(random, (options.shift ?? 0) * h);
      // Forward map A = R(angle) · Shear(shear) · s; its inverse takes output pixels back to the source.
      const c = Math.cos(angle);
      const sn = Math.sin(angle);
      const k = Math.tan(shear);
      const a = [s * c, s * (c * k - sn), s * sn, s * (sn * k + c)];
      const det = a[0] * a[3] - a[1] * a[2];
      const m: [number, number, number, number] = [a[3] / det, -a[1] / det, -a[2] / det, a[0] / det];
      if (elastic) {
        for (let i = 0; i < pixels; i++) {
          dx![i] = random() * 2 - 1;
          dy![i] = random() * 2 - 1;
        }
        gaussianBlur(dx!, tmp!, h, w, kernel);
        gaussianBlur(dy!, tmp!, h, w, kernel);
        for (let i = 0; i < pixels; i++) {
          dx![i] *= elastic.alpha;
          dy![i] *= elastic.alpha;
        }
      }
      // Translating the content by (tx, ty) means sampling the source at −(tx, ty).
      affineWarp(source, out.subarray(r * pixels, (r + 1) * pixels), h, w, m, -tx, -ty, dx, dy);
    }
  };
}
