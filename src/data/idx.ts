import { readFileSync } from 'node:fs';
import { DataFormatError } from '../errors.js';
import { gunzipLimited, isGzip } from './gzip.js';

/** A parsed IDX file (the format of MNIST, Fashion-MNIST, EMNIST, KMNIST): dims and uint8 values. */
export interface IdxArray {
  readonly dims: number[];
  /** The values, a view into the file's bytes (no copy). */
  readonly data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

/** True when the bytes start like an IDX file (two zero bytes, a known type code, 1–4 dimensions). */
export function looksLikeIdx(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] in TYPE_NAMES && bytes[3] >= 1 && bytes[3] <= 4
  );
}

/**
 * Parses IDX bytes (raw or gzip-compressed). Checks the magic number, the element type (unsigned byte is the
 * one image/label type in use), and that the declared dimensions match the bytes present — before any
 * allocation sized from the header.
 */
export function parseIdx(input: Uint8Array, file: string): IdxArray {
  const bytes = isGzip(input) ? gunzipLimited(input, file) : input;
  if (bytes.length < 4) throw new DataFormatError(file, `not an IDX file: only ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    throw new DataFormatError(file, `not an IDX file: bad magic number 0x${magic}`);
  }
  const type = bytes[2];
  if (!(type in TYPE_NAMES)) throw new DataFormatError(file, `unknown IDX element type 0x${type.toString(16)}`);
  if (type !== 0x08)
    throw new DataFormatError(
      file,
      `IDX element type ${TYPE_NAMES[type]} is not supported (images and labels must be unsigned bytes)`,
    );
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 4) throw new DataFormatError(file, `IDX declares ${ndim} dimensions (expected 1 to 4)`);
  const header = 4 + 4 * ndim;
  if (bytes.length < header)
    throw new DataFormatError(file, `truncated IDX header: ${bytes.length} bytes, need ${header}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const present = bytes.length - header;
  if (size > present) {
    throw new DataFormatError(
      file,
      `truncated: dimensions ${dims.join('×')} need ${size} bytes of data, file has ${present}`,
    );
  }
  if (size < present) {
    throw new DataFormatError(file, `${present - size} unexpected bytes after the ${dims.join('×')} data`);
  }
  return { dims, data: bytes.subarray(header) };
}

export function readIdxFile(file: string): IdxArray {
  return parseIdx(readFileSync(file), file);
}
