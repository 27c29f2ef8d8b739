/**
 * Realistic multi-digit test images made from MNIST digits (use the test set: never trained on): a string of
 * digits written on a page, with varied size, slant, stroke thickness, spacing (down to touching pairs),
 * baseline jitter, paper texture, noise and blur, as dark ink on light paper or light ink on dark. The truth
 * (the string and each digit's box) comes with each image. Seeded: the same seed gives the same images.
 */
import type { ImageSet } from './dataset.js';
import { seededRandom } from './seeded.js';

export interface DigitString {
  width: number;
  height: number;
  /** Gray pixels, one byte each. */
  data: Uint8Array;
  text: string;
  boxes: { x: number; y: number; width: number; height: number }[];
  darkOnLight: boolean;
  /** With `owners`: for each pixel, 1 + the index of the item whose ink is strongest there (0: no ink). */
  owners?: Uint8Array;
  /** The owner values (1 + index) of the items that are not digits (see `others`); `text` and `boxes` skip them. */
  nonDigits: number[];
}

export interface DigitStringOptions {
  /** Digits per string: an exact count or [min, max] (default [4, 8]). */
  length?: number | [number, number];
  /** Digit height in pixels, [min, max] (default [40, 90]). */
  height?: [number, number];
  /** Chance that a pair of neighbours touches (default 0.15). */
  touching?: number;
  /** Also return which digit each pixel's ink belongs to (for labelling candidates when training a verifier). */
  owners?: boolean;
  /**
   * Things that are not digits (letters, symbols, marks) as 28×28 MNIST-like images, each item of the string
   * being one of them with chance `chance`.
   */
  others?: { set: ImageSet; chance: number };
}

/** Bilinear sample of a 28×28 digit at (u, v), 0 outside. */
function sample(img: Uint8Array, off: number, u: number, v: number): number {
  if (u < 0 || v < 0 || u > 27 || v > 27) return 0;
  const x0 = Math.floor(u);
  const y0 = Math.floor(v);
  const x1 = Math.min(27, x0 + 1);
  const y1 = Math.min(27, y0 + 1);
  const fx = u - x0;
  const fy = v - y0;
  const p = (x: number, y: number) => img[off + y * 28 + x];
  return (p(x0, y0) * (1 - fx) + p(x1, y0) * fx) * (1 - fy) + (p(x0, y1) * (1 - fx) + p(x1, y1) * fx) * fy;
}

/** 3×3 grayscale dilation (thicker strokes) or erosion (thinner), `times` passes. */
function morph(src: Float32Array, w: number, h: number, dilate: boolean, times: number): Float32Array {
  let a = src;
  for (let t = 0; t < times; t++) {
    const b = new Float32Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let v = dilate ? 0 : 255;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            const s = yy >= 0 && yy < h && xx >= 0 && xx < w ? a[yy * w + xx] : 0;
            v = dilate ? Math.max(v, s) : Math.min(v, s);
          }
        b[y * w + x] = v;
      }
    a = b;
  }
  return a;
}

/** One multi-digit image drawn from the MNIST images of `set`. */
export function digitString(set: ImageSet, seed: number, options: DigitStringOptions = {}): DigitString {
  const random = seededRandom(seed);
  const between = (a: number, b: number) => a + (b - a) * random();
  const lengthOpt = options.length ?? [4, 8];
  const n = typeof lengthOpt === 'number' ? lengthOpt : Math.floor(between(lengthOpt[0], lengthOpt[1] + 1));
  const [hMin, hMax] = options.height ?? [40, 90];
  const digitH = Math.round(between(hMin, hMax));
  const slant = between(-0.25, 0.25); // shear, x += slant·(y − centre)
  const thickness = random() < 0.3 ? -1 : random() < 0.5 ? 1 : 0; // erode, keep or dilate
  const margin = Math.round(digitH * between(0.4, 1));
  // Lay the digits out on an ink canvas (0..255 ink), then render paper and ink.
  const scale = digitH / 20; // MNIST digits are ~20 px tall inside their 28 px field
  const cell = Math.ceil(28 * scale);
  const others = options.others;
  // Each item: [the set it comes from, its index there]. (No draw for `others` when not asked: same strings.)
  const picks = Array.from({ length: n }, (): [ImageSet, number] => {
    const other = others !== undefined && random() < others.chance;
    const from = other ? others.set : set;
    return [from, Math.floor(random() * from.count)];
  });
  const width = margin * 2 + n * cell;
  const height = margin * 2 + cell + Math.round(digitH * 0.3);
  const ink = new Float32Array(width * height);
  const owner = options.owners ? new Uint8Array(width * height) : null;
  const boxes: DigitString['boxes'] = [];
  let penX = margin;
  for (let k = 0; k < n; k++) {
    const [from, idx] = picks[k];
    const off = idx * 784;
    const cellW = cell;
    const top = margin + Math.round(between(-0.1, 0.1) * digitH + digitH * 0.15);
    let local: Float32Array = new Float32Array(cellW * cell);
    for (let y = 0; y < cell; y++)
      for (let x = 0; x < cellW; x++) {
        const v = y / scale;
        const u = x / scale - slant * (v - 14);
        local[y * cellW + x] = sample(from.images, off, u, v);
      }
    if (thickness !== 0) local = morph(local, cellW, cell, thickness > 0, Math.max(1, Math.round(scale / 3)));
    // The digit's ink extent inside its cell decides its box and the spacing to the next one.
    let x0 = cellW;
    let x1 = -1;
    let y0 = cell;
    let y1 = -1;
    for (let y = 0; y < cell; y++)
      for (let x = 0; x < cellW; x++)
        if (local[y * cellW + x] > 64) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
    if (x1 < 0) {
      x0 = 0;
      x1 = cellW - 1;
      y0 = 0;
      y1 = cell - 1;
    }
    const left = penX - x0;
    for (let y = 0; y < cell; y++) {
      const yy = top + y;
      if (yy < 0 || yy >= height) continue;
      for (let x = 0; x < cellW; x++) {
        const xx = left + x;
        if (xx < 0 || xx >= width) continue;
        const i = yy * width + xx;
        const v = local[y * cellW + x];
        if (owner && v > ink[i]) owner[i] = k + 1;
        ink[i] = Math.max(ink[i], v);
      }
    }
    if (from === set) boxes.push({ x: left + x0, y: top + y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
    const touching = random() < (options.touching ?? 0.15);
    const gap = touching ? -Math.round(digitH * 0.04) : Math.round(digitH * between(0.1, 0.5));
    penX = left + x1 + 1 + gap;
  }
  const usedWidth = Math.min(width, penX + margin);
  // Paper: a level, a gentle gradient and texture noise; ink: a level; then blur and sensor noise.
  const darkOnLight = random() < 0.7;
  const paper = darkOnLight ? between(170, 245) : between(10, 70);
  const inkLevel = darkOnLight ? between(0, 80) : between(190, 255);
  const gradient = between(-30, 30);
  const noise = between(2, 14);
  const blur = random() < 0.5;
  const data = new Uint8Array(usedWidth * height);
  const field = new Float32Array(usedWidth * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < usedWidth; x++) {
      const a = ink[y * width + x] / 255;
      const bg = paper + (gradient * x) / usedWidth;
      field[y * usedWidth + x] = bg * (1 - a) + inkLevel * a;
    }
  for (let y = 0; y < height; y++)
    for (let x = 0; x < usedWidth; x++) {
      let v = field[y * usedWidth + x];
      if (blur) {
        let s = 0;
        let c = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < height && xx >= 0 && xx < usedWidth) {
              s += field[yy * usedWidth + xx];
              c++;
            }
          }
        v = s / c;
      }
      v += (random() + random() + random() - 1.5) * noise;
      data[y * usedWidth + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  const text = picks
    .filter(([from]) => from === set)
    .map(([, i]) => String(set.labels ? set.labels[i] : '?'))
    .join('');
  const nonDigits = picks.flatMap(([from], k) => (from === set ? [] : [k + 1]));
  let owners: Uint8Array | undefined;
  if (owner) {
    owners = new Uint8Array(usedWidth * height);
    for (let y = 0; y < height; y++) owners.set(owner.subarray(y * width, y * width + usedWidth), y * usedWidth);
  }
  return { width: usedWidth, height, data, text, boxes, darkOnLight, nonDigits, ...(owners ? { owners } : {}) };
}
