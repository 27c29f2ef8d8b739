/**
 * An HDF5 file read whole into plain data (groups, datasets, attributes). The HDF5 library can loop forever or
 * run out of memory on some damaged files, and synchronous WebAssembly cannot be interrupted, so the reading
 * happens in a worker thread that is terminated when it overruns its time limit.
 */
import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { ModelFormatError } from '../errors.js';
import type { Hdf5Group } from './hdf5-data.js';

export { hdf5Get, type Hdf5Dataset, type Hdf5Group, type Hdf5Node, type Hdf5Value } from './hdf5-data.js';

/** Reply of the reading worker. */
export type Hdf5ReadReply =
  | { ok: true; root: Hdf5Group }
  /** `fatal`: the library aborted and the thread is ending; the next read must start a new one. */
  | { ok: false; message: string; fatal: boolean };

/** Default limit for reading one model file; a legitimate model of any size we train reads in well under it. */
export const HDF5_READ_TIMEOUT_MS = 30_000;

let worker: Worker | null = null;
let queue: Promise<unknown> = Promise.resolve();

async function startWorker(): Promise<Worker> {
  const { Worker } = await import('node:worker_threads');
  let url = new URL('./hdf5-read-worker.js', import.meta.url);
  if (!existsSync(url)) url = new URL('../../dist/io/hdf5-read-worker.js', import.meta.url);
  const w = new Worker(url);
  w.unref(); // an idle reader never keeps the process alive
  w.once('exit', () => {
    if (worker === w) worker = null;
  });
  return w;
}

/**
 * Reads the whole HDF5 file in the reader thread. Throws ModelFormatError if the library rejects the file or
 * does not finish within `timeoutMs`.
 */
export function readHdf5Tree(file: string, timeoutMs = HDF5_READ_TIMEOUT_MS): Promise<Hdf5Group> {
  // One read at a time: the worker answers requests in order and is replaced after a timeout.
  const run = queue.then(() => readOnce(file, timeoutMs));
  queue = run.catch(() => undefined);
  return run;
}

async function readOnce(file: string, timeoutMs: number): Promise<Hdf5Group> {
  worker ??= await startWorker();
  const w = worker;

  return new Promise<Hdf5Group>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      w.unref();
    };
    const onMessage = (reply: Hdf5ReadReply) => {
      done();
      if (!reply.ok && reply.fatal && worker === w) worker = null;
      if (reply.ok) resolve(reply.root);
      else reject(new ModelFormatError(file, reply.message));
    };
    const onError = (e: Error) => {
      done();
      worker = null;
      reject(new ModelFormatError(file, `the HDF5 reader failed (${e.message})`));
    };
    // The thread died without answering (e.g. out of memory on a file declaring a huge dataset).
    const onExit = () => {
      done();
      reject(new ModelFormatError(file, 'the HDF5 reader stopped on this file (damaged file?)'));
    };
    const timer = setTimeout(() => {
      done();
      worker = null;
      void w.terminate();
      reject(
        new ModelFormatError(
          file,
          `the HDF5 library did not finish reading within ${timeoutMs / 1000} s (damaged file?)`,
        ),
      );
    }, timeoutMs);
    w.ref(); // keep the process alive while a read is pending
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage(file);
  });
}
