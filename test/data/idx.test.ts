import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadDataset, parseIdx } from '../../src/data/index.js';
import { gunzipLimited } from '../../src/data/gzip.js';
import { DataFormatError } from '../../src/errors.js';
import { idxBytes, tempDir } from '../helpers/formats.js';

const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);

describe('IDX reader', () => {
  it('parses dims and data, raw and gzip', () => {
    const raw = idxBytes([3, 2, 2], pixels);
    for (const bytes of [raw, new Uint8Array(gzipSync(raw))]) {
      const a = parseIdx(bytes, 'x.idx');
      expect(a.dims).toEqual([3, 2, 2]);
      expect(Array.from(a.data)).toEqual(Array.from(pixels));
    }
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['wrong magic', Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 1, 5]), /bad magic number 0x01020801/],
    ['unsupported type', Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), /float is not supported/],
    ['unknown type', Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 1, 5]), /unknown IDX element type 0x42/],
    ['too many dims', Uint8Array.from([0, 0, 8, 9]), /declares 9 dimensions/],
    ['truncated header', Uint8Array.from([0, 0, 8, 3, 0, 0]), /truncated IDX header/],
    [
      'truncated data',
      idxBytes([3, 2, 2], pixels).subarray(0, 20),
      /truncated: dimensions 3×2×2 need 12 bytes of data, file has 4/,
    ],
    [
      'huge declared size',
      Uint8Array.from([0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1]),
      /truncated/,
    ],
    ['trailing bytes', new Uint8Array([...idxBytes([2], Uint8Array.from([1, 2])), 9, 9]), /2 unexpected bytes/],
    ['too short', Uint8Array.from([0, 0]), /only 2 bytes/],
    ['corrupt gzip', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), /corrupt gzip/],
  ];
  for (const [what, bytes, message] of bad) {
    it(`rejects ${what} with a typed error naming the file`, () => {
      let err: unknown;
      try {
        parseIdx(bytes, 'bad.idx');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as Error).message).toMatch(/^bad\.idx: /);
      expect((err as Error).message).toMatch(message);
    });
  }
});

describe('IDX datasets', () => {
  function writeSet(dir: string, gz: boolean, labelCount = 3, labelDims = 1) {
    const z = (b: Uint8Array) => (gz ? gzipSync(b) : b);
    const ext = gz ? '.gz' : '';
    writeFileSync(join(dir, `train-images-idx3-ubyte${ext}`), z(idxBytes([3, 2, 2], pixels)));
    const labels = Uint8Array.from({ length: labelCount }, (_, i) => i);
    writeFileSync(
      join(dir, `train-labels-idx1-ubyte${ext}`),
      z(idxBytes(labelDims === 1 ? [labelCount] : [labelCount, 1], labels)),
    );
    writeFileSync(join(dir, `t10k-images-idx3-ubyte${ext}`), z(idxBytes([1, 2, 2], pixels.subarray(0, 4))));
    writeFileSync(join(dir, `t10k-labels-idx1-ubyte${ext}`), z(idxBytes([1], Uint8Array.from([7]))));
  }

  for (const gz of [false, true]) {
    it(`loads a directory in MNIST layout (${gz ? 'gzip' : 'raw'})`, () => {
      const dir = tempDir();
      writeSet(dir, gz);
      const d = loadDataset(dir);
      expect(d.train?.count).toBe(3);
      expect(d.train?.height).toBe(2);
      expect(Array.from(d.train!.labels!)).toEqual([0, 1, 2]);
      expect(Array.from(d.test!.labels!)).toEqual([7]);
    });
  }

  it('rejects image/label count mismatch', () => {
    const dir = tempDir();
    writeSet(dir, false, 4);
    expect(() => loadDataset(dir)).toThrow(/4 labels but .*train-images-idx3-ubyte has 3 images/);
  });

  it('rejects labels with the wrong rank', () => {
    const dir = tempDir();
    writeSet(dir, false, 3, 2);
    expect(() => loadDataset(dir)).toThrow(/IDX labels must have 1 dimension/);
  });

  it('loads a lone IDX images file (EMNIST naming) with its labels beside it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'emnist-digits-test-images-idx3-ubyte'), idxBytes([3, 2, 2], pixels));
    writeFileSync(join(dir, 'emnist-digits-test-labels-idx1-ubyte'), idxBytes([3], Uint8Array.from([4, 5, 6])));
    const d = loadDataset(join(dir, 'emnist-digits-test-images-idx3-ubyte'));
    expect(d.train).toBeNull();
    expect(Array.from(d.test!.labels!)).toEqual([4, 5, 6]);
  });

  it('reports a missing path', () => {
    expect(() => loadDataset('/nonexistent/data')).toThrow(/^\/nonexistent\/data: no such file or directory/);
  });
});

describe('gzip bombs', () => {
  it('stop at the output limit with a typed error', () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(8 << 20)));
    expect(bomb.length).toBeLessThan(20_000);
    expect(() => gunzipLimited(bomb, 'bomb.gz', 1 << 20)).toThrow(/bomb\.gz: gzip data expands beyond 1048576 bytes/);
    expect(gunzipLimited(bomb, 'bomb.gz', 16 << 20).length).toBe(8 << 20);
  });
});
