/** Worker thread behind readHdf5Tree: opens a file with h5wasm and posts back its whole tree as plain data. */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { readH5wasmGroup } from './hdf5-data.js';
import type { Hdf5ReadReply } from './hdf5-tree.js';

/**
 * The HDF5 library writes diagnostic stack dumps ("HDF5-DIAG: …") and abort notices to stderr on damaged files.
 * This thread only reads files and reports failures in its reply, so everything it would print there is dropped.
 */
const writeSync = fs.writeSync;
fs.writeSync = function (fd: number, data: unknown, ...rest: unknown[]): number {
  if (fd === 2) {
    // Emscripten calls writeSync(fd, heapView, offset, length, position).
    if (typeof data === 'string') return Buffer.byteLength(data);
    if (ArrayBuffer.isView(data)) {
      const offset = typeof rest[0] === 'number' ? rest[0] : 0;
      return typeof rest[1] === 'number' ? rest[1] : data.byteLength - offset;
    }
  }
  return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
} as typeof fs.writeSync;
console.error = () => {};
console.warn = () => {};

// Imported after the silencing above: the module binds its stderr writer when it loads.
const h5wasm = await import('h5wasm/node');
await h5wasm.ready;

parentPort!.on('message', (file: string) => {
  let reply: Hdf5ReadReply;
  let f: InstanceType<typeof h5wasm.File> | null = null;
  try {
    try {
      f = new h5wasm.File(file, 'r');
    } catch (e) {
      throw new Error(`cannot open HDF5 file (${(e as Error).message})`, { cause: e });
    }
    reply = { ok: true, root: readH5wasmGroup(h5wasm, f) };
  } catch (e) {
    const message = (e as Error).message;
    const cause = (e as Error).cause ?? e;
    // After an abort or a trap the library's state is undefined: this thread ends, the next read starts afresh.
    const fatal = cause instanceof WebAssembly.RuntimeError || /abort/i.test(message);
    reply = {
      ok: false,
      message: message.startsWith('cannot open') ? message : `corrupt or unreadable HDF5 content (${message})`,
      fatal,
    };
  } finally {
    try {
      f?.close();
    } catch {
      // A file the library could not parse may also fail to close; the reply says why.
    }
  }
  parentPort!.postMessage(reply);
  if (!reply.ok && reply.fatal) process.exit(1);
});
