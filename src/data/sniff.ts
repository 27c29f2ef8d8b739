import { closeSync, openSync, readSync } from 'node:fs';

/** Reads at most `n` bytes from the start of a file. */
export function readHead(file: string, n: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = new Uint8Array(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
