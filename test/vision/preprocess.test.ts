import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { loadModelFile } from '../../src/io/model-file.js';
import { predict } from '../../src/train/evaluate.js';
import { NoInkError, otsuThreshold, preprocess, resizeArea, type RawImage } from '../../src/vision/preprocess.js';
import { fixture, hasShared } from '../helpers/fixtures.js';

/** The real Keras files and photos of ../shared/fixtures (skipped, saying so, where they are missing). */
const KERAS = hasShared('fixtures', 'keras');
import { decodeImage } from '../../src/vision/image-input.js';
import { loadSharp } from '../../src/report/render.js';
import { recognize } from '../../src/vision/recognize.js';

/** A w×h gray image, light ink (255) drawn by `ink(x, y)` on black. */
function draw(w: number, h: number, ink: (x: number, y: number) => boolean): RawImage {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (ink(x, y)) data[y * w + x] = 255;
  return { width: w, height: h, channels: 1, data };
}

/** An asymmetric "7"-like glyph: a bar on top and a thick diagonal, placed with its top-left at (ox, oy). */
function seven(ox: number, oy: number) {
  return (x: number, y: number) => {
    const u = x - ox;
    const v = y - oy;
    if (v < 0 || v >= 40 || u < 0 || u >= 30) return false;
    return v < 6 || Math.abs(u - (30 - (v * 24) / 40)) < 4;
  };
}

function centreOfMass(p: Uint8Array, size = 28): [number, number] {
  let m = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      m += p[y * size + x];
      cx += p[y * size + x] * (x + 0.5);
      cy += p[y * size + x] * (y + 0.5);
    }
  return [cx / m, cy / m];
}

function inkBox(p: Uint8Array, size = 28): { w: number; h: number } {
  let x0 = size;
  let x1 = -1;
  let y0 = size;
  let y1 = -1;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      if (p[y * size + x] > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('preprocess, step by step', () => {
  it("Otsu's threshold separates a bimodal histogram", () => {
    const data = Uint8Array.from({ length: 400 }, (_, i) => (i < 300 ? 20 + (i % 5) : 200 + (i % 7)));
    const t = otsuThreshold(data);
    expect(t).toBeGreaterThanOrEqual(24);
    expect(t).toBeLessThan(200);
  });

  it('area resampling keeps the mean and anti-aliases edges', () => {
    const src = Float32Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 255 : 0)); // left half ink, 4×4
    const out = resizeArea(src, 4, 4, 3, 3);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out)).toBeCloseTo(mean(src), 3);
    expect(out[1]).toBeGreaterThan(0); // the middle column straddles the edge
    expect(out[1]).toBeLessThan(255);
  });

  it('an off-centre digit comes out 20 px tall and centred by mass in 28×28', () => {
    const r = preprocess(draw(120, 90, seven(5, 3)));
    const [cx, cy] = centreOfMass(r.pixels);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5);
    expect(inkBox(r.pixels).h).toBe(20); // the longer side (40 px tall) → 20
    expect(inkBox(r.pixels).w).toBeGreaterThanOrEqual(14);
    expect(inkBox(r.pixels).w).toBeLessThanOrEqual(16);
    expect(r.box).toEqual({ x: 5, y: 3, width: 30, height: 40 });
    expect(r.inverted).toBe(false);
  });

  it('dark-on-light input, RGB or with a transparent background, gives the same result as light-on-dark', () => {
    const base = draw(80, 60, seven(30, 10));
    const want = preprocess(base).pixels;
    const dark: RawImage = { ...base, data: base.data.map((v) => 255 - v) };
    const r = preprocess(dark);
    expect(r.inverted).toBe(true);
    expect(r.pixels).toEqual(want);
    const rgb = new Uint8Array(80 * 60 * 3);
    dark.data.forEach((v, i) => rgb.fill(v, i * 3, i * 3 + 3));
    expect(preprocess({ width: 80, height: 60, channels: 3, data: rgb }).pixels).toEqual(want);
    // A canvas drawing: black strokes on a transparent background.
    const rgba = new Uint8Array(80 * 60 * 4);
    base.data.forEach((v, i) => (rgba[i * 4 + 3] = v));
    expect(preprocess({ width: 80, height: 60, channels: 4, data: rgba }).pixels).toEqual(want);
  });

  it('takes encoded bytes as Uint8Array, ArrayBuffer or Blob, and a canvas by its ImageData', async () => {
    const base = draw(40, 50, seven(5, 5));
    const want = preprocess(base).pixels;
    const sharp = await loadSharp();
    const png = new Uint8Array(
      await sharp(base.data, { raw: { width: 40, height: 50, channels: 1 } })
        .png()
        .toBuffer(),
    );
    for (const input of [png, png.slice().buffer, new Blob([png])]) {
      const decoded = await decodeImage(input);
      expect([decoded.width, decoded.height]).toEqual([40, 50]);
      expect(preprocess(decoded).pixels).toEqual(want);
    }
    const rgba = new Uint8ClampedArray(40 * 50 * 4);
    base.data.forEach((v, i) => (rgba[i * 4 + 3] = v)); // black strokes on a transparent canvas
    const canvas = {
      width: 40,
      height: 50,
      getContext: () => ({ getImageData: () => ({ width: 40, height: 50, data: rgba }) }),
    };
    expect(preprocess(await decodeImage(canvas)).pixels).toEqual(want);
    await expect(decodeImage({ width: 4, height: 4, getContext: () => null }, 'c')).rejects.toThrow(/^c: .*2-D/);
  });

  it('specks of noise far from the digit change nothing; a blank image is refused', () => {
    const clean = draw(100, 100, seven(40, 40));
    const noisy: RawImage = { ...clean, data: clean.data.slice() };
    for (const [x, y] of [
      [3, 3],
      [90, 10],
      [10, 95],
      [97, 97],
    ])
      noisy.data[y * 100 + x] = 255;
    expect(preprocess(noisy).pixels).toEqual(preprocess(clean).pixels);
    expect(() => preprocess(draw(50, 50, () => false))).toThrow(NoInkError);
  });

  it("a frame along the image edge (a scan's border) is not taken for ink", () => {
    const plain = draw(100, 90, seven(40, 30));
    const framed = draw(100, 90, (x, y) => seven(40, 30)(x, y) || x === 0 || y === 89 || (x === 99 && y < 50));
    expect(preprocess(framed).pixels).toEqual(preprocess(plain).pixels);
    // A digit that merely touches the edge is kept whole.
    const touching = preprocess(draw(60, 60, seven(0, 10)));
    expect(touching.box).toEqual({ x: 0, y: 10, width: 30, height: 40 });
  });

  it('a tight crop is read whole: strokes touching every side stay, a thick digit filling the frame is not inverted wrongly', () => {
    // A thick ring (a "0") cropped to its own box, dark on white: most of the picture is ink.
    const ring = (x: number, y: number) => {
      const r = Math.hypot(x - 7.5, y - 7.5);
      return r >= 3.5 && r < 8.2;
    };
    const dark = draw(16, 16, ring);
    expect(dark.data.filter((v) => v > 0).length).toBeGreaterThan(0.6 * 256); // the median is ink
    dark.data = dark.data.map((v) => 255 - v);
    const r = preprocess(dark);
    expect(r.inverted).toBe(true);
    expect(r.box).toEqual({ x: 0, y: 0, width: 16, height: 16 });
    const light = preprocess(draw(16, 16, ring));
    expect(light.inverted).toBe(false);
    expect(light.pixels).toEqual(r.pixels);
    // The hole stays empty: the paper was not taken for ink.
    expect(r.pixels[14 * 28 + 14]).toBe(0);
    // A 2's bottom bar along the crop's lower edge, apart from the rest, is a stroke, not a frame line.
    const two = draw(16, 16, (x, y) => (y <= 1 && x >= 3 && x <= 12) || (x === 12 && y <= 11) || (y >= 14 && x >= 1));
    expect(preprocess(two).box).toEqual({ x: 1, y: 0, width: 15, height: 16 });
    // An upright 1 written with a 1-px pen in a field 3 px wide: its stroke runs along the frame and is all the
    // ink there is, so it is the digit, not a frame line: an upright bar 20 px tall in the field.
    const one = draw(3, 60, (x, y) => x === 0 && y >= 1 && y <= 58);
    one.data = one.data.map((v) => 255 - v);
    const read = preprocess(one);
    expect(read.box).toEqual({ x: 0, y: 1, width: 1, height: 58 });
    expect(inkBox(read.pixels).h).toBe(20);
    expect(inkBox(read.pixels).w).toBeLessThanOrEqual(3);
    // A lone line along the frame of a square crop is still nothing written.
    const side = draw(40, 40, (x) => x === 0);
    side.data = side.data.map((v) => 255 - v);
    expect(() => preprocess(side)).toThrow(NoInkError);
    // A frame line beside a digit is still not ink.
    const framed = draw(40, 60, (x, y) => x === 0 || (x >= 18 && x <= 21 && y >= 10 && y <= 50));
    framed.data = framed.data.map((v) => 255 - v);
    expect(preprocess(framed).box).toEqual({ x: 18, y: 10, width: 4, height: 41 });
  });

  it("a 1-px pen keeps its strokes and they come out about as wide as MNIST's", () => {
    // A "7" drawn with a 1-px pen on a 28×28 canvas, dark on white.
    const pen = draw(
      28,
      28,
      (x, y) => (y === 4 && x >= 6 && x <= 21) || (y > 4 && y <= 24 && x === Math.round(21 - (y - 4) * 0.5)),
    );
    pen.data = pen.data.map((v) => 255 - v);
    const r = preprocess(pen);
    const ink = (p: Uint8Array) => p.filter((v) => v > 127).length;
    // The strokes are there (a median filter erased most of them), about 2 px wide at 20 px: a 20-px bar and a
    // 20-px diagonal, some 40 px long in all.
    expect(ink(r.pixels)).toBeGreaterThanOrEqual(60);
    expect(ink(r.pixels)).toBeLessThanOrEqual(120);
    expect(inkBox(r.pixels).h).toBe(20);
    // Thick strokes are left as they are.
    const thick = preprocess(draw(100, 90, seven(40, 30)));
    expect(ink(thick.pixels)).toBe(ink(preprocess(draw(100, 90, seven(40, 30))).pixels));
  });

  it('dark ink on grey paper (darker than mid-grey) is dark ink', () => {
    const base = draw(60, 60, seven(15, 10));
    const grey: RawImage = { ...base, data: base.data.map((v) => (v ? 20 : 105)) };
    const r = preprocess(grey);
    expect(r.inverted).toBe(true);
    expect(r.box).toEqual({ x: 15, y: 10, width: 30, height: 40 });
  });

  it.skipIf(!KERAS)(
    'a real photo: kiljaeden_7.jpg (light ink, a bright frame line) is a 7 for the Keras convnet',
    async () => {
      const image = await decodeImage(fixture('keras/kiljaeden_7.jpg'));
      const { model } = await loadModelFile(fixture('keras/kiljaeden_mnist.h5'), { threads: 1 });
      try {
        const r = await recognize(model, image);
        expect(r.label).toBe(7);
        expect(r.confidence).toBeGreaterThan(0.99);
        expect(r.inverted).toBe(false);
        expect(r.box.x).toBeGreaterThan(30); // the frame at x = 0 is not part of the digit
      } finally {
        await model.kernels.dispose();
      }
    },
  );

  it.skipIf(!KERAS)(
    'MNIST digits photographed as dark ink on paper, off-centre and enlarged, are still recognised',
    async () => {
      const test = loadMnist().test!;
      const n = 300;
      const out = new Uint8Array(n * 784);
      let seed = 7;
      const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
      for (let i = 0; i < n; i++) {
        // 3× nearest-neighbour enlargement, inverted, on a 150×120 sheet of light paper with noise.
        const w = 150;
        const h = 120;
        const data = new Uint8Array(w * h);
        for (let j = 0; j < data.length; j++) data[j] = 225 + Math.floor(rand() * 20);
        const ox = Math.floor(rand() * (w - 84));
        const oy = Math.floor(rand() * (h - 84));
        for (let y = 0; y < 84; y++)
          for (let x = 0; x < 84; x++) {
            const v = test.images[i * 784 + Math.floor(y / 3) * 28 + Math.floor(x / 3)];
            if (v > 0) data[(oy + y) * w + ox + x] = Math.min(data[(oy + y) * w + ox + x], 255 - v);
          }
        out.set(preprocess({ width: w, height: h, channels: 1, data }).pixels, i * 784);
      }
      const { model } = await loadModelFile(fixture('keras/kiljaeden_mnist.h5'), { threads: 1 });
      try {
        const p = predict(model, { count: n, height: 28, width: 28, images: out, labels: null });
        let correct = 0;
        for (let i = 0; i < n; i++) if (p.labels[i] === test.labels![i]) correct++;
        expect(correct / n).toBeGreaterThanOrEqual(0.97);
      } finally {
        await model.kernels.dispose();
      }
    },
  );
});
