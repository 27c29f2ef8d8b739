import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, parseMnistNpz, parseNpy } from '../../src/data/index.js';
import { DataFormatError } from '../../src/errors.js';
import { npyBytes, npzBytes, tempDir } from '../helpers/formats.js';

const x = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i);
const yInt64 = new Uint8Array(new BigInt64Array([3n, 9n]).buffer);

function mnistNpz(compress = false): Uint8Array {
  return npzBytes(
    {
      'x_train.npy': npyBytes('|u1', [2, 3, 3], x),
      'y_train.npy': npyBytes('<i8', [2], yInt64),
      'x_test.npy': npyBytes('|u1', [1, 3, 3], x.subarray(0, 9)),
      'y_test.npy': npyBytes('|u1', [1], Uint8Array.from([5])),
    },
    compress,
  );
}

describe('npy reader', () => {
  it('parses uint8 and int64 arrays', () => {
    expect(parseNpy(npyBytes('|u1', [2, 3, 3], x), 'a.npy').shape).toEqual([2, 3, 3]);
    expect(Array.from(parseNpy(npyBytes('<i8', [2], yInt64), 'y.npy').data)).toEqual([3, 9]);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['bad magic', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /bad magic/],
    ['fortran order', npyBytes('|u1', [2, 9], x, true), /Fortran-ordered/],
    ['float dtype', npyBytes('<f4', [2], new Uint8Array(8)), /dtype <f4 is not supported/],
    ['shape/bytes mismatch', npyBytes('|u1', [3, 3, 3], x), /needs 27 bytes, file has 18/],
    ['truncated header', npyBytes('|u1', [2, 3, 3], x).subarray(0, 30), /truncated .npy header/],
    [
      'out-of-range label',
      npyBytes('<i8', [1], new Uint8Array(new BigInt64Array([300n]).buffer)),
      /value 300 at index 0 is outside 0..255/,
    ],
  ];
  for (const [what, bytes, message] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => parseNpy(bytes, 'bad.npy')).toThrow(DataFormatError);
      expect(() => parseNpy(bytes, 'bad.npy')).toThrow(message);
    });
  }
});

describe('mnist.npz reader', () => {
  for (const compress of [false, true]) {
    it(`loads x_train/y_train/x_test/y_test (${compress ? 'deflated' : 'stored'})`, () => {
      const d = parseMnistNpz(mnistNpz(compress), 'mnist.npz');
      expect(d.train?.count).toBe(2);
      expect(d.train?.width).toBe(3);
      expect(Array.from(d.train!.labels!)).toEqual([3, 9]);
      expect(Array.from(d.test!.labels!)).toEqual([5]);
    });
  }

  it('is picked by content whatever the file is called', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data.bin'), mnistNpz());
    expect(loadDataset(join(dir, 'data.bin')).train?.count).toBe(2);
  });

  it('rejects mismatched counts, missing members, corrupt zips', () => {
    const mismatch = npzBytes({
      'x_train.npy': npyBytes('|u1', [2, 3, 3], x),
      'y_train.npy': npyBytes('|u1', [3], new Uint8Array(3)),
    });
    expect(() => parseMnistNpz(mismatch, 'm.npz')).toThrow(/3 labels but x_train.npy has 2 images/);
    expect(() => parseMnistNpz(npzBytes({ 'other.npy': npyBytes('|u1', [1], new Uint8Array(1)) }), 'm.npz')).toThrow(
      /holds none of/,
    );
    const truncated = mnistNpz(true).subarray(0, 100);
    expect(() => parseMnistNpz(truncated, 'm.npz')).toThrow(DataFormatError);
    const wrongRank = npzBytes({ 'x_train.npy': npyBytes('|u1', [18], x) });
    expect(() => parseMnistNpz(wrongRank, 'm.npz')).toThrow(/shape \(count, rows, cols\)/);
  });
});

describe('zip bombs', () => {
  it('refuses members that declare more than the limit before inflating them', () => {
    const z = npzBytes({ 'x_train.npy': npyBytes('|u1', [2, 3, 3], x) });
    const dv = new DataView(z.buffer, z.byteOffset, z.byteLength);
    for (let i = 0; i + 4 <= z.length; i++) {
      const sig = dv.getUint32(i, true);
      if (sig === 0x02014b50) dv.setUint32(i + 24, 0xfffffff0, true); // central directory: uncompressed size
      if (sig === 0x04034b50) dv.setUint32(i + 22, 0xfffffff0, true); // local header
    }
    expect(() => parseMnistNpz(z, 'bomb.npz')).toThrow(/x_train.npy declares 4294967280 bytes uncompressed/);
  });

  it('never inflates past the declared size (a lying small size gives a parse error, not a blow-up)', () => {
    const big = npyBytes('|u1', [1000, 100, 100], new Uint8Array(10_000_000));
    const z = npzBytes({ 'x_train.npy': big }, true);
    const dv = new DataView(z.buffer, z.byteOffset, z.byteLength);
    for (let i = 0; i + 4 <= z.length; i++) {
      const sig = dv.getUint32(i, true);
      if (sig === 0x02014b50) dv.setUint32(i + 24, 200, true);
      if (sig === 0x04034b50) dv.setUint32(i + 22, 200, true);
    }
    expect(() => parseMnistNpz(z, 'liar.npz')).toThrow(DataFormatError);
  });
});
