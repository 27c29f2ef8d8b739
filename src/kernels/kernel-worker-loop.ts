import { ARG_COUNT, ARG_FIRST, ARG_TOTAL, EXIT_OP, runPart, type PartKernels } from './ops.js';
import { ARG_SLOTS, CONTROL_INTS, DONE, OP, PARTS, SEQ, waitChange } from './pool-protocol.js';

/** What a pool worker is given: the kernel module, the shared memory and where its blocks are in it. */
export interface KernelWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  args: number;
  work: number;
  index: number;
  /** The main thread uses the native GEMM: so must every worker (same results whatever thread runs a row). */
  native: boolean;
}

/** Instantiates the kernel module on the shared memory (synchronously: the module is already compiled). */
export function instantiateInWorker(init: KernelWorkerInit): PartKernels {
  return new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as unknown as PartKernels;
}

/**
 * A pool worker's life: say it is `ready`, then wait for the next op in the control block, run this thread's part
 * of it with `x`, say it is done; until the exit op. Blocks its thread (Atomics.wait), as a worker may.
 */
export function serveKernelOps(init: KernelWorkerInit, x: PartKernels, ready: () => void): void {
  const ctrl = new Int32Array(init.memory.buffer, init.control, CONTROL_INTS);
  const call: number[] = [];
  // The op counter is read before saying ready: the pool dispatches its first op once every worker is ready, and a
  // worker that read the counter after that op bumped it would wait for the next one while the pool waits for it.
  let seq = Atomics.load(ctrl, SEQ);
  ready();
  for (;;) {
    seq = waitChange(ctrl, SEQ, seq);
    const op = Atomics.load(ctrl, OP);
    if (op === EXIT_OP) break;
    // The memory may have grown since the last op: take a fresh view of the arguments.
    const args = new Float64Array(init.memory.buffer, init.args, ARG_SLOTS);
    const parts = Atomics.load(ctrl, PARTS);
    runPart(x, op, args[ARG_TOTAL], args, ARG_FIRST, args[ARG_COUNT], init.index, parts, init.work, call);
    Atomics.store(ctrl, DONE + init.index - 1, seq);
    Atomics.notify(ctrl, DONE + init.index - 1);
  }
}
