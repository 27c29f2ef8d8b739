/**
 * The engine's one memory: a WebAssembly.Memory with a bump allocator. Parameters, gradients, optimizer
 * state, activations and the uint8 dataset all live here, so kernels (WASM or the TS reference) work on
 * byte offsets ("pointers") and a training step allocates nothing.
 *
 * Allocation grows the memory; typed-array views made before a growth go stale, so callers make views
 * on demand (`f32(ptr, n)`) and never keep them across planning.
 */
export type Ptr = number;

const PAGE = 65536;
const ALIGN = 64;
/** 2 GiB: the most a 32-bit WebAssembly memory with our build's maximum can hold. */
export const MAX_PAGES = 32768;

/** An allocation went past the ceiling set by `Heap.withLimit`. */
export class AllocationLimitError extends RangeError {}

export class Heap {
  readonly memory: WebAssembly.Memory;
  private top: number;
  /** Allocations below this survive every reset (model parameters, optimizer state). */
  private pinned = 0;
  /** Allocation ceiling (bytes) while `withLimit` runs; the memory's maximum otherwise. */
  private limit = MAX_PAGES * PAGE;

  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.top = alignUp(Math.max(base, ALIGN), ALIGN);
  }

  /** Creates a growable memory, shared when the platform has SharedArrayBuffer (needed by worker threads). */
  static createMemory(shared: boolean): WebAssembly.Memory {
    return new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared });
  }

  /** Allocates `bytes` (64-byte aligned) and returns the pointer. Memory is zeroed when first grown. */
  alloc(bytes: number): Ptr {
    const ptr = this.top;
    const end = alignUp(ptr + Math.max(bytes, 0), ALIGN);
    if (end > this.limit) {
      throw new AllocationLimitError(`allocation of ${bytes} bytes exceeds the limit of ${this.limit - ptr} bytes`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new RangeError(`engine memory exhausted: need ${end} bytes, limit ${MAX_PAGES * PAGE}`);
      }
      this.memory.grow(pages);
    }
    this.top = end;
    return ptr;
  }

  /**
   * Runs `work` with at most `bytes` more allocatable, e.g. while building a model whose size a file declares,
   * so a damaged file cannot make us allocate far more than the data it actually holds.
   */
  withLimit<T>(bytes: number, work: () => T): T {
    const saved = this.limit;
    this.limit = Math.min(saved, this.top + Math.max(bytes, 0));
    try {
      return work();
    } finally {
      this.limit = saved;
    }
  }

  /** Allocates `count` float32 values, zero-filled. */
  allocF32(count: number): Ptr {
    const ptr = this.alloc(count * 4);
    this.f32(ptr, count).fill(0);
    return ptr;
  }

  /** Copies bytes into a fresh allocation. */
  allocBytes(data: Uint8Array): Ptr {
    const ptr = this.alloc(data.length);
    this.u8(ptr, data.length).set(data);
    return ptr;
  }

  /** Current top; `reset(mark)` frees everything allocated after it. */
  mark(): number {
    return this.top;
  }

  reset(mark: number): void {
    if (mark < this.pinned) {
      throw new Error(
        'heap reset below pinned memory: another model was built on these kernels later; give each model its own kernels',
      );
    }
    this.top = mark;
  }

  /** Makes everything allocated so far permanent and returns the mark just above it. */
  pin(): number {
    this.pinned = this.top;
    return this.top;
  }

  /** Bytes in use. */
  get used(): number {
    return this.top;
  }

  f32(ptr: Ptr, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  f64(ptr: Ptr, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, count);
  }

  i32(ptr: Ptr, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, count);
  }

  u8(ptr: Ptr, count: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, count);
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
