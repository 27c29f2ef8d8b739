import type { Heap, Ptr } from './heap.js';
import type { KernelWorkerInit } from './kernel-worker-loop.js';
import { isNode, nodeBuiltin } from './node-builtin.js';
import { ARG_COUNT, ARG_FIRST, ARG_TOTAL, EXIT_OP, runPart, type PartKernels } from './ops.js';
import { ARG_SLOTS, CONTROL_INTS, DONE, OP, PARTS, SEQ, waitChange } from './pool-protocol.js';

/**
 * The kernel thread pool: worker threads (Node worker_threads or Web Workers) sharing the kernels' memory, each
 * with its own GEMM workspace, woken through a control block in that memory. For an op split across threads, its
 * item count and arguments go in the argument block; every thread, this one included, runs its part (ops.ts's
 * runPart) and the call returns when all are done. An op on this thread alone takes its arguments straight from the
 * caller.
 */
export class KernelPool {
  /** Each thread's GEMM workspace (this thread's first). */
  readonly works: Ptr[] = [];
  private readonly control: Ptr;
  private readonly argsPtr: Ptr;
  private ctrl: Int32Array;
  private args: Float64Array;
  private workers: { terminate(): unknown }[] = [];
  /** runPart's argument scratch on this thread. */
  private readonly call: number[] = [];

  constructor(
    private readonly heap: Heap,
    readonly threads: number,
    workspaceFloats: number,
  ) {
    for (let i = 0; i < threads; i++) this.works.push(heap.alloc(workspaceFloats * 4));
    this.control = heap.alloc(CONTROL_INTS * 4);
    this.argsPtr = heap.alloc(ARG_SLOTS * 8);
    this.ctrl = new Int32Array(heap.memory.buffer, this.control, CONTROL_INTS);
    this.args = new Float64Array(heap.memory.buffer, this.argsPtr, ARG_SLOTS);
  }

  /**
   * Starts threads − 1 workers on the compiled module: Node worker_threads, or Web Workers in a browser (which
   * needs cross-origin isolation to share the memory). `native`: they use the native GEMM, as this thread does.
   */
  async start(module: WebAssembly.Module, native: boolean): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let i = 1; i < this.threads; i++) {
      const init: KernelWorkerInit = {
        module,
        memory: this.heap.memory,
        control: this.control,
        args: this.argsPtr,
        work: this.works[i],
        index: i,
        native,
      };
      ready.push(isNode() ? this.startNodeWorker(init) : this.startWebWorker(init));
    }
    await Promise.all(ready);
  }

  private async startNodeWorker(init: KernelWorkerInit): Promise<void> {
    const { Worker } = await nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
    const { existsSync } = await nodeBuiltin<typeof import('node:fs')>('node:fs');
    let url = new URL(/* @vite-ignore */ './kernel-worker.js', import.meta.url);
    if (!existsSync(url)) url = new URL(/* @vite-ignore */ '../../dist/kernels/kernel-worker.js', import.meta.url);
    const w = new Worker(url, { workerData: init });
    w.unref();
    this.workers.push(w);
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
  }

  private async startWebWorker(init: KernelWorkerInit): Promise<void> {
    // Spelled out in one expression so that bundlers (Vite, webpack) find the worker and bundle it.
    const w = new Worker(new URL('./kernel-worker-browser.js', import.meta.url), { type: 'module' });
    this.workers.push(w);
    await new Promise<void>((resolve, reject) => {
      w.onmessage = () => resolve();
      w.onerror = (e) => reject(new Error(`kernel worker failed to start: ${e.message}`));
      w.postMessage(init);
    });
  }

  /**
   * Runs op number `op` over `total` items (rows, elements, columns or images) with `part`'s kernels: split
   * across every thread when `parallel` and there are workers, otherwise on this thread alone.
   */
  run(part: PartKernels, op: number, total: number, parallel: boolean, args: readonly number[]): void {
    if (!parallel || this.workers.length === 0) {
      runPart(part, op, total, args, 0, args.length, 0, 1, this.works[0], this.call);
      return;
    }
    if (args.length + ARG_FIRST > ARG_SLOTS) throw new Error(`kernel op ${op}: ${args.length} arguments do not fit`);
    const block = this.argBlock();
    block[ARG_TOTAL] = total;
    block[ARG_COUNT] = args.length;
    for (let i = 0; i < args.length; i++) block[ARG_FIRST + i] = args[i];
    const ctrl = this.ctrl;
    Atomics.store(ctrl, OP, op);
    Atomics.store(ctrl, PARTS, this.threads);
    const seq = Atomics.add(ctrl, SEQ, 1) + 1;
    Atomics.notify(ctrl, SEQ);
    runPart(part, op, total, args, 0, args.length, 0, this.threads, this.works[0], this.call);
    for (let w = 0; w < this.workers.length; w++) {
      while (Atomics.load(ctrl, DONE + w) !== seq) waitChange(ctrl, DONE + w, seq - 1);
    }
  }

  /** The argument block (re-viewed if the memory grew). */
  private argBlock(): Float64Array {
    if (this.args.buffer.byteLength !== this.heap.memory.buffer.byteLength) {
      this.args = new Float64Array(this.heap.memory.buffer, this.argsPtr, ARG_SLOTS);
      this.ctrl = new Int32Array(this.heap.memory.buffer, this.control, CONTROL_INTS);
    }
    return this.args;
  }

  async dispose(): Promise<void> {
    if (this.workers.length === 0) return;
    Atomics.store(this.ctrl, OP, EXIT_OP);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
