import { DataFormatError } from '../errors.js';

/** A parsed .npy array of a supported integer dtype, values as uint8 (labels and images fit in a byte). */
export interface NpyArray {
  readonly shape: number[];
  /** NumPy dtype descriptor, e.g. "|u1" or "<i8". */
  readonly descr: string;
  readonly data: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Integer dtypes we accept and their byte size; values must lie in 0..255 to become uint8. */
const INT_DTYPES: Record<string, { size: number; signed: boolean }> = {
  '|u1': { size: 1, signed: false },
  '<u1': { size: 1, signed: false },
  '|i1': { size: 1, signed: true },
  '<u2': { size: 2, signed: false },
  '<i2': { size: 2, signed: true },
  '<u4': { size: 4, signed: false },
  '<i4': { size: 4, signed: true },
  '<u8': { size: 8, signed: false },
  '<i8': { size: 8, signed: true },
};

export function isNpy(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parses a .npy file (format versions 1–3). Checks magic, header, dtype (unsigned bytes, or integers in
 * 0..255), C order, and that the shape matches the bytes present before converting.
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || !isNpy(bytes)) throw new DataFormatError(file, 'not a .npy array: bad magic');
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DataFormatError(file, `unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new DataFormatError(file, 'truncated .npy header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (start > bytes.length) throw new DataFormatError(file, `truncated .npy header: declares ${headerLen} bytes`);
  const header = new TextDecoder().decode(bytes.subarray(8 + lenBytes, start));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataFormatError(file, `malformed .npy header: ${JSON.stringify(header.slice(0, 200))}`);
  }
  if (fortran === 'True')
    throw new DataFormatError(file, 'Fortran-ordered arrays are not supported (save with C order)');
  const dtype = INT_DTYPES[descr];
  if (!dtype)
    throw new DataFormatError(file, `dtype ${descr} is not supported (expected uint8 images or integer labels)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+$/.test(s)) throw new DataFormatError(file, `malformed .npy shape (${shapeText})`);
      return Number(s);
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const present = bytes.length - start;
  if (count * dtype.size !== present) {
    throw new DataFormatError(
      file,
      `shape (${shape.join(', ')}) of ${descr} needs ${count * dtype.size} bytes, file has ${present}`,
    );
  }
  const raw = bytes.subarray(start);
  if (dtype.size === 1 && !dtype.signed) return { shape, descr, data: raw };
  const data = new Uint8Array(count);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < count; i++) {
    const o = i * dtype.size;
    let v: number;
    if (dtype.size === 1) v = dv.getInt8(o);
    else if (dtype.size === 2) v = dtype.signed ? dv.getInt16(o, true) : dv.getUint16(o, true);
    else if (dtype.size === 4) v = dtype.signed ? dv.getInt32(o, true) : dv.getUint32(o, true);
    else v = Number(dtype.signed ? dv.getBigInt64(o, true) : dv.getBigUint64(o, true));
    if (v < 0 || v > 255) throw new DataFormatError(file, `value ${v} at index ${i} is outside 0..255`);
    data[i] = v;
  }
  return { shape, descr, data };
}
