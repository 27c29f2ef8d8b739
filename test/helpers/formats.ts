import { zipSync } from 'fflate';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A fresh temporary directory, removed after the test file (test/setup.ts). */
export function tempDir(prefix = 'digits-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** IDX bytes of unsigned-byte data with the given dims. */
export function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, 0x08, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** .npy bytes (format 1.0) for `data` already encoded in `descr`. */
export function npyBytes(descr: string, shape: number[], data: Uint8Array, fortran = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

/** An mnist.npz-like archive. */
export function npzBytes(members: Record<string, Uint8Array>, compress = false): Uint8Array {
  return zipSync(members, { level: compress ? 6 : 0 });
}

/** Kaggle-style CSV text for images of `pixels` each, optionally with labels. */
export function kaggleCsv(images: Uint8Array, pixels: number, labels: Uint8Array | null): string {
  const head = [...(labels ? ['label'] : []), ...Array.from({ length: pixels }, (_, i) => `pixel${i}`)].join(',');
  const rows = [head];
  for (let r = 0; r < images.length / pixels; r++) {
    const cells = Array.from(images.subarray(r * pixels, (r + 1) * pixels), String);
    rows.push((labels ? [String(labels[r]), ...cells] : cells).join(','));
  }
  return rows.join('\n') + '\n';
}
