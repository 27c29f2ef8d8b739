// A kernel pool worker: instantiates the kernel module on the shared memory and runs its part of each op.
import { parentPort, workerData } from 'node:worker_threads';
import { loadNativeGemm, withNativeGemm } from './native.js';
import { ARG_COUNT, ARG_FIRST, ARG_TOTAL, EXIT_OP, runPart, type PartKernels } from './ops.js';
import { ARG_SLOTS, CONTROL_INTS, DONE, OP, PARTS, SEQ, waitChange } from './pool-protocol.js';

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  args: number;
  work: number;
  index: number;
  /** The main thread uses the native GEMM: so must every worker (same results whatever thread runs a row). */
  native: boolean;
}

const init = workerData as WorkerInit;
const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
const wasm = instance.exports as unknown as PartKernels;
const addon = init.native ? await loadNativeGemm() : null;
if (init.native && !addon) throw new Error('kernel worker: the native GEMM failed to load in a worker thread');
const x = addon ? withNativeGemm(wasm, init.memory, addon) : wasm;
const ctrl = new Int32Array(init.memory.buffer, init.control, CONTROL_INTS);
const call: number[] = [];
let seq = Atomics.load(ctrl, SEQ);
parentPort?.postMessage('ready');
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
