import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers only ever see the old or the new complete content: the data goes to a temp
 * file beside the target, is fsynced, renamed over the target, and the directory entry is fsynced.
 * `write` receives the temp path (for writers such as HDF5 that want a filename).
 */
export function writeAtomically(target: string, write: (tempPath: string) => void): void {
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    write(temp);
    const fd = openSync(temp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  syncDirectory(dir);
}

/** writeAtomically for bytes or text. */
export function writeFileAtomically(target: string, data: string | Uint8Array): void {
  writeAtomically(target, (temp) => writeFileSync(temp, data));
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
