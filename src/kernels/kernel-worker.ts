// A kernel pool worker in Node (worker_threads): instantiates the kernel module on the shared memory, with the
// native GEMM when the main thread uses it, and runs its part of each op.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateInWorker, serveKernelOps, type KernelWorkerInit } from './kernel-worker-loop.js';
import { loadNativeGemm, withNativeGemm } from './native.js';

const init = workerData as KernelWorkerInit;
const wasm = instantiateInWorker(init);
const addon = init.native ? await loadNativeGemm() : null;
if (init.native && !addon) throw new Error('kernel worker: the native GEMM failed to load in a worker thread');
const x = addon ? withNativeGemm(wasm, init.memory, addon) : wasm;
serveKernelOps(init, x, () => parentPort?.postMessage('ready'));
