// A kernel pool worker in a browser (a Web Worker, started by another worker or the page when it is cross-origin
// isolated): gets the kernel module and the shared memory in its first message, then runs its part of each op.
import { instantiateInWorker, serveKernelOps, type KernelWorkerInit } from './kernel-worker-loop.js';

onmessage = (e: MessageEvent<KernelWorkerInit>) => {
  onmessage = null;
  const init = e.data;
  const x = instantiateInWorker(init);
  serveKernelOps(init, x, () => postMessage('ready'));
};
