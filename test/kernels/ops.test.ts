import { describe, expect, it } from 'vitest';
import { instantiateKernels, loadKernelModule } from '../../src/kernels/module.js';
import { Heap } from '../../src/kernels/heap.js';
import {
  ARG_COUNT,
  ARG_FIRST,
  ARG_TOTAL,
  OP_NUMBER,
  OPS,
  partRange,
  runPart,
  SPLIT_KERNELS,
  type OpArgs,
  type PartKernels,
  type SplitKernel,
} from '../../src/kernels/ops.js';
import { ARG_SLOTS } from '../../src/kernels/pool-protocol.js';

describe('the kernel op table', () => {
  it('gives each split kernel the argument count the compiled module exports', async () => {
    for (const prefer of ['relaxed', 'simd'] as const) {
      const { module } = await loadKernelModule(prefer);
      const x = (await instantiateKernels(module, Heap.createMemory(true))) as unknown as Record<string, unknown>;
      for (const [name, spec] of Object.entries(SPLIT_KERNELS)) {
        expect(typeof x[name], name).toBe('function');
        expect((x[name] as (...a: number[]) => void).length, name).toBe(spec.arity);
      }
    }
  });

  it('rejects a wrong argument list at compile time', () => {
    const relu: OpArgs<'relu'> = [8, 16];
    const gemm: OpArgs<'gemm'> = [0, 0, 4, 4, 4, 1, 2, 3, 0, 0, 0];
    // @ts-expect-error relu takes x and y (the range is the pool's)
    const short: OpArgs<'relu'> = [8];
    // @ts-expect-error the workspace is the pool's, not the caller's
    const withWork: OpArgs<'gemm'> = [0, 0, 4, 4, 4, 1, 2, 3, 0, 0, 0, 64];
    expect([relu.length, gemm.length, short.length, withWork.length]).toEqual([2, 11, 1, 12]);
  });

  it('splits items into aligned parts that cover them exactly once', () => {
    for (const [total, parts, align] of [
      [1000, 2, 16],
      [7, 3, 1],
      [10, 4, 4],
      [3, 8, 1],
      [0, 2, 16],
    ]) {
      let next = 0;
      for (let i = 0; i < parts; i++) {
        const [a, b] = partRange(total, parts, i, align);
        expect(a).toBe(next);
        if (b < total) expect(b % align).toBe(0);
        next = b;
      }
      expect(next).toBe(total);
    }
  });

  it('calls each split kernel with its arguments, the thread workspace where it takes one, and its part', () => {
    const calls: { name: string; args: number[] }[] = [];
    const fake = new Proxy({} as PartKernels, {
      get: (_, name) =>
        name === 'gemmRowAlign' ? 8 : (...args: number[]) => void calls.push({ name: String(name), args }),
    });
    const block = new Float64Array(ARG_SLOTS);
    const scratch: number[] = [];
    for (const name of Object.keys(SPLIT_KERNELS) as SplitKernel[]) {
      const spec = SPLIT_KERNELS[name];
      const count = spec.arity - 2 - (spec.work ? 1 : 0);
      const args = Array.from({ length: count }, (_, i) => 100 + i);
      block[ARG_TOTAL] = 1000;
      block[ARG_COUNT] = count;
      block.set(args, ARG_FIRST);
      calls.length = 0;
      for (let index = 0; index < 2; index++)
        runPart(
          fake,
          OP_NUMBER[name],
          block[ARG_TOTAL],
          block,
          ARG_FIRST,
          block[ARG_COUNT],
          index,
          2,
          7000 + index,
          scratch,
        );
      expect(calls.map((c) => c.name)).toEqual([name, name]);
      const align = spec.align || 8;
      const cut = Math.floor(Math.ceil(1000 / align) / 2) * align;
      expect(calls[0].args).toEqual([...args, ...(spec.work ? [7000] : []), 0, cut]);
      expect(calls[1].args).toEqual([...args, ...(spec.work ? [7001] : []), cut, 1000]);
      expect(calls[0].args.length).toBe(spec.arity);
    }
  });

  it('numbers every op once', () => {
    expect(new Set(OPS).size).toBe(OPS.length);
    OPS.forEach((name, i) => expect(OP_NUMBER[name]).toBe(i));
  });
});
