import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, parseKaggleCsv } from '../../src/data/index.js';
import { DataFormatError } from '../../src/errors.js';
import { kaggleCsv, tempDir } from '../helpers/formats.js';

const images = Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 7) % 256);
const labels = Uint8Array.from([1, 0, 9]);
const enc = (s: string) => new TextEncoder().encode(s);

describe('Kaggle digits CSV reader', () => {
  it('reads train.csv (label + 784 pixels) exactly', () => {
    const s = parseKaggleCsv(enc(kaggleCsv(images, 784, labels)), 'train.csv');
    expect(s.count).toBe(3);
    expect(s.height).toBe(28);
    expect(Array.from(s.labels!)).toEqual([1, 0, 9]);
    expect(s.images).toEqual(images);
  });

  it('reads test.csv (pixels only), CRLF line ends and a BOM', () => {
    const text = '\uFEFF' + kaggleCsv(images, 784, null).replace(/\n/g, '\r\n');
    const s = parseKaggleCsv(enc(text), 'test.csv');
    expect(s.labels).toBeNull();
    expect(s.images).toEqual(images);
  });

  const header = ['label', ...Array.from({ length: 4 }, (_, i) => `pixel${i}`)].join(',');
  const bad: [string, string, RegExp][] = [
    ['a bad header', 'foo,bar\n1,2\n', /line 1: header must be/],
    ['a non-square image', 'pixel0,pixel1\n1,2\n', /2 pixel columns is not a square image/],
    ['too few columns', `${header}\n1,2,3,4\n`, /line 2: 4 columns, header has 5/],
    ['too many columns', `${header}\n1,2,3,4,5,6\n`, /line 2: more than 5 columns/],
    ['a value above 255', `${header}\n1,2,3,256,5\n`, /line 2, column 4 \(pixel2\): "256" is not an integer in 0..255/],
    ['a negative value', `${header}\n1,-2,3,4,5\n`, /column 2 \(pixel0\): "-2"/],
    ['a decimal', `${header}\n1,2.5,3,4,5\n`, /"2.5" is not an integer/],
    ['an empty cell', `${header}\n1,,3,4,5\n`, /column 2/],
    ['no rows', `${header}\n`, /no data rows/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => parseKaggleCsv(enc(text), 'k.csv')).toThrow(DataFormatError);
      expect(() => parseKaggleCsv(enc(text), 'k.csv')).toThrow(message);
    });
  }

  it('a directory with train.csv and test.csv becomes train and test splits', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'train.csv'), kaggleCsv(images, 784, labels));
    writeFileSync(join(dir, 'test.csv'), kaggleCsv(images.subarray(0, 784), 784, null));
    const d = loadDataset(dir);
    expect(d.train?.count).toBe(3);
    expect(d.test?.count).toBe(1);
    expect(d.test?.labels).toBeNull();
  });

  it('a lone CSV is sniffed by content, not extension', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'digits.txt'), kaggleCsv(images, 784, null));
    const d = loadDataset(join(dir, 'digits.txt'));
    expect(d.train).toBeNull();
    expect(d.test?.count).toBe(3);
    writeFileSync(join(dir, 'junk.txt'), 'hello world\n');
    expect(() => loadDataset(join(dir, 'junk.txt'))).toThrow(/unrecognised data/);
  });
});
