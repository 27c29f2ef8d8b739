// The kernel workers' loop (kernel-worker-loop.ts), run in a worker thread on a control block of its own.
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_OP } from '../../src/kernels/ops.js';
import { CONTROL_INTS, OP, SEQ } from '../../src/kernels/pool-protocol.js';

const loop = pathToFileURL(fileURLToPath(new URL('../../dist/kernels/kernel-worker-loop.js', import.meta.url))).href;

describe('kernel worker loop', () => {
  it('sees an op the pool dispatches the moment the worker says it is ready (no lost first op)', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const ctrl = new Int32Array(memory.buffer, 0, CONTROL_INTS);
    // The worker's "ready" dispatches the exit op at once, as a pool does with its first op; a worker that read the
    // op counter only after that would wait for ever (here: until the timeout below).
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.loop).then(({ serveKernelOps }) => {
        const ctrl = new Int32Array(workerData.memory.buffer, 0, ${CONTROL_INTS});
        serveKernelOps({ memory: workerData.memory, control: 0, args: 512, work: 0, index: 1 }, {}, () => {
          Atomics.store(ctrl, ${OP}, ${EXIT_OP});
          Atomics.add(ctrl, ${SEQ}, 1);
        });
        parentPort.postMessage('returned');
      });`;
    const worker = new Worker(code, { eval: true, workerData: { memory, loop } });
    try {
      const outcome = await Promise.race([
        new Promise((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
        new Promise((resolve) => setTimeout(() => resolve('timed out'), 5000)),
      ]);
      expect(outcome).toBe('returned');
      expect(Atomics.load(ctrl, SEQ)).toBe(1);
    } finally {
      await worker.terminate();
    }
  });
});
