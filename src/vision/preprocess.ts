/**
 * Turning a real picture of one handwritten digit into an MNIST-like 28×28 image, following the procedure the
 * MNIST authors describe (digits size-normalised to 20×20 keeping their aspect ratio, anti-aliased, then
 * centred by centre of mass in a 28×28 field). Pure TypeScript over pixel arrays: the same code runs in Node
 * and in the browser. Steps, in order:
 *
 * 1. ink: grayscale by luma (0.299 R + 0.587 G + 0.114 B); for an image with transparency (a canvas drawing on
 *    a transparent background), the alpha channel is the ink.
 * 2. polarity from the paper (polarity.ts): its level is the median of the image's frame, where a tight crop's
 *    strokes touch only in places; the ink is what departs most from it, darker or lighter.
 * 3. threshold: Otsu's threshold separates ink from background; background pixels become 0 and the ink's
 *    gray levels are stretched to 0–255, so anti-aliased edges stay soft.
 * 4. denoise by size: small components are specks, and thin lines along the image's edge (a scan's or a sheet's
 *    edge) are not ink; no filter touches the strokes, so 1-px strokes survive.
 * 5. crop to the ink's bounding box, and grow strokes too thin for MNIST's scale (strokes.ts).
 * 6. scale the longest side to 20 px keeping the aspect ratio, by area averaging (anti-aliased).
 * 7. place in 28×28 so that the centre of mass of the ink is at the centre.
 */
import { DigitsError } from '../errors.js';
import { connectedComponents, type Component } from './components.js';
import { frameLevel, inkIsDark } from './polarity.js';
import { growStrokes, growthFor } from './strokes.js';

/** Pixels, row-major: 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) interleaved channels of 8 bits. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** A gray image (one byte per pixel). */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Preprocessed {
  /** 28×28 = 784 bytes, light ink on black, as MNIST. */
  pixels: Uint8Array;
  /** The ink's bounding box in the input image's coordinates. */
  box: { x: number; y: number; width: number; height: number };
  /** Whether the input was dark ink on a light background (and so was inverted). */
  inverted: boolean;
  /** Otsu's threshold on the denoised ink image. */
  threshold: number;
}

/** Options of `preprocess` (defaults are MNIST's). */
export interface PreprocessOptions {
  /** Side of the output image (28). */
  size?: number;
  /** Longest side of the digit inside it (20). */
  fit?: number;
  /** Skip the polarity check and treat the input as dark-on-light (true) or light-on-dark (false). */
  invert?: boolean;
}

export class NoInkError extends DigitsError {
  constructor() {
    super('no ink found in the image (blank or uniform)', 'E_NO_INK');
  }
}

/**
 * Step 1: one byte per pixel — luma, or for images with transparency the alpha (`fromAlpha`), which is already
 * light ink on a dark (transparent) background.
 */
export function toGray(image: RawImage): GrayImage & { fromAlpha: boolean } {
  const { width, height, channels, data } = image;
  if (!(width > 0 && height > 0) || data.length < width * height * channels)
    throw new DigitsError(`image data too short for ${width}×${height}×${channels}`, 'E_IMAGE');
  const n = width * height;
  const out = new Uint8Array(n);
  const hasAlpha = channels === 2 || channels === 4;
  let transparent = false;
  if (hasAlpha) for (let i = 0; i < n && !transparent; i++) transparent = data[i * channels + channels - 1] < 250;
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    if (transparent) {
      // Ink is what is painted: its opacity. Light strokes on a transparent background are inverted below.
      out[i] = data[p + channels - 1];
    } else if (channels >= 3) out[i] = Math.round(0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]);
    else out[i] = data[p];
  }
  return { width, height, data: out, fromAlpha: transparent };
}

/**
 * Ink components that are lines along the image's edge (a frame, the edge of a sheet), not parts of a digit:
 * at least 90 % of their pixels lie within ~3 % of the image's size from its border, and they reach along it.
 * None in a narrow upright picture whose only ink they are: that is a tight crop of the stroke (an upright 1 in a
 * field a few pixels wide), not a frame around nothing; a lone frame line in any other picture is still one.
 */
function edgeLines(labels: Int32Array, components: Component[], w: number, h: number, band: number): Set<number> {
  const inBand = new Uint32Array(components.length + 1);
  for (let y = 0; y < h; y++) {
    const rowInBand = y < band || y >= h - band;
    for (let x = 0; x < w; x++) {
      const id = labels[y * w + x];
      if (id && (rowInBand || x < band || x >= w - band)) inBand[id]++;
    }
  }
  const lines = new Set<number>();
  for (const c of components) {
    const long = Math.max(c.width, c.height) > 4 * band;
    if (long && inBand[c.id] >= 0.9 * c.pixels) lines.add(c.id);
  }
  if (h >= 3 * w && components.every((c) => lines.has(c.id) || c.pixels < 2)) lines.clear();
  return lines;
}

/** Otsu's threshold: the level that maximises the between-class variance of the histogram. */
export function otsuThreshold(data: Uint8Array): number {
  const hist = new Float64Array(256);
  for (const v of data) hist[v]++;
  const total = data.length;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * hist[v];
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

/** Step 6: area-averaging resample of a w×h region to tw×th (each output pixel = mean of what it covers). */
export function resizeArea(src: Float32Array, w: number, h: number, tw: number, th: number): Float32Array {
  const out = new Float32Array(tw * th);
  const sx = w / tw;
  const sy = h / th;
  for (let ty = 0; ty < th; ty++) {
    const y0 = ty * sy;
    const y1 = y0 + sy;
    for (let tx = 0; tx < tw; tx++) {
      const x0 = tx * sx;
      const x1 = x0 + sx;
      let sum = 0;
      for (let y = Math.floor(y0); y < Math.min(h, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(w, Math.ceil(x1)); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          sum += src[y * w + x] * wx * wy;
        }
      }
      out[ty * tw + tx] = sum / (sx * sy);
    }
  }
  return out;
}

/** A component is a speck when it holds fewer pixels than this share of the largest (and never 1 pixel alone). */
const SPECK = 0.05;

/** The full procedure (see the module comment). Throws NoInkError for a blank image. */
export function preprocess(image: RawImage, options: PreprocessOptions = {}): Preprocessed {
  const size = options.size ?? 28;
  const fit = options.fit ?? 20;
  const gray = toGray(image);
  const { width: w, height: h, data } = gray;
  // Step 2: the paper is what the frame mostly shows; the ink is what departs from it.
  const band = Math.max(1, Math.round(0.03 * Math.min(w, h)));
  const inverted = options.invert ?? (!gray.fromAlpha && inkIsDark(data, frameLevel(data, w, h, band)));
  if (inverted) for (let i = 0; i < data.length; i++) data[i] = 255 - data[i];
  // Step 3–4: ink above Otsu's threshold; specks (small components) and frame lines are not ink.
  const threshold = otsuThreshold(data);
  let max = 0;
  let min = 255;
  for (const v of data) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (max - min < 16 || max - threshold < 16) throw new NoInkError();
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) mask[i] = data[i] > threshold ? 1 : 0;
  const { labels, components } = connectedComponents(mask, w, h);
  const dropped = edgeLines(labels, components, w, h, band);
  let largest = 0;
  for (const c of components) if (!dropped.has(c.id)) largest = Math.max(largest, c.pixels);
  for (const c of components) if (c.pixels < Math.max(2, SPECK * largest)) dropped.add(c.id);
  // Step 5: the ink's bounding box.
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!mask[i]) continue;
      if (dropped.has(labels[i])) {
        mask[i] = 0;
        continue;
      }
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  if (x1 < 0) throw new NoInkError();
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const span = max - threshold;
  const ink = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++)
    for (let x = 0; x < bw; x++) {
      const i = (y0 + y) * w + x0 + x;
      if (mask[i]) ink[y * bw + x] = ((data[i] - threshold) / span) * 255;
    }
  // Strokes too thin for MNIST's scale are grown, in a crop with room for them.
  const length = Math.max(bw, bh);
  const grown = growStrokes(ink, bw, bh, growthFor(ink, bw, bh, fit / length, length));
  const { ink: crop, width: cw, height: ch } = grown;
  // Step 6: longest side to `fit` pixels.
  const scale = fit / Math.max(cw, ch);
  const tw = Math.max(1, Math.round(cw * scale));
  const th = Math.max(1, Math.round(ch * scale));
  const small = resizeArea(crop, cw, ch, tw, th);
  // Step 7: centre of mass to the centre of the field.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  const ox = Math.round(size / 2 - cx / mass);
  const oy = Math.round(size / 2 - cy / mass);
  const pixels = placeInField(small, tw, th, ox, oy, size);
  return { pixels, box: { x: x0, y: y0, width: bw, height: bh }, inverted, threshold };
}

/** A tw×th float image put into a size×size byte field with its top-left at (ox, oy), rounded; what falls outside is cut. */
export function placeInField(
  small: Float32Array,
  tw: number,
  th: number,
  ox: number,
  oy: number,
  size: number,
): Uint8Array {
  const field = new Uint8Array(size * size);
  for (let y = 0; y < th; y++) {
    const yy = y + oy;
    if (yy < 0 || yy >= size) continue;
    for (let x = 0; x < tw; x++) {
      const xx = x + ox;
      if (xx >= 0 && xx < size) field[yy * size + xx] = Math.min(255, Math.round(small[y * tw + x]));
    }
  }
  return field;
}
