import { gunzipSync } from 'node:zlib';
import { DataFormatError } from '../errors.js';

/** Largest decompressed size we accept (guards against gzip bombs). */
export const MAX_DECOMPRESSED = 1 << 30;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips with a hard output limit; corrupt or oversized input becomes a DataFormatError naming the file. */
export function gunzipLimited(bytes: Uint8Array, file: string, limit = MAX_DECOMPRESSED): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(bytes, { maxOutputLength: limit }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /larger than|maxOutputLength/i.test(String(e))) {
      throw new DataFormatError(file, `gzip data expands beyond ${limit} bytes`);
    }
    throw new DataFormatError(file, `corrupt gzip data (${(e as Error).message})`);
  }
}
