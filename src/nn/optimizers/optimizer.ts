import type { Heap, Kernels, Ptr } from '../../kernels/index.js';
import type { Param } from '../layer.js';

/** A per-parameter state array (Adam's m and v, a momentum velocity, …), kept in the engine heap. */
export interface Slot {
  /** Keras-style slot name: "m", "v", "momentum", "velocity". */
  readonly name: string;
  readonly param: Param;
  readonly ptr: Ptr;
}

/** Updates parameters from their gradients. `init` allocates state once; `step` allocates nothing. */
export interface Optimizer {
  /** Keras class name. */
  readonly className: string;
  learningRate: number;
  /** Steps taken (Keras's `iterations`). */
  iterations: number;
  init(heap: Heap, params: readonly Param[]): void;
  step(k: Kernels): void;
  readonly slots: readonly Slot[];
  /** Keras optimizer config. */
  config(): Record<string, unknown>;
}

/** Allocates one zeroed slot per parameter for each name. */
export function allocSlots(heap: Heap, params: readonly Param[], names: readonly string[]): Slot[] {
  const slots: Slot[] = [];
  for (const param of params) for (const name of names) slots.push({ name, param, ptr: heap.allocF32(param.size) });
  return slots;
}
