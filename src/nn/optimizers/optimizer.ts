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

/** What every optimizer accepts besides its own hyper-parameters (Keras 3's common optimizer arguments). */
export interface CommonOptions {
  /** Decoupled weight decay: before each update p ← p − lr·wd·p (Keras `weight_decay`; AdamW's default 0.004). */
  weightDecay?: number;
  /** Rescale all gradients together so their global L2 norm is at most this (Keras `global_clipnorm`). */
  clipnorm?: number;
  /** Clip every gradient element to [−clipvalue, clipvalue] (Keras `clipvalue`). */
  clipvalue?: number;
}

/** Checks the common options; returns them with absent values as undefined. */
export function commonOptions(o: CommonOptions): CommonOptions {
  const check = (name: string, v: number | undefined, zeroOk: boolean) => {
    if (v !== undefined && !(Number.isFinite(v) && (zeroOk ? v >= 0 : v > 0)))
      throw new RangeError(`${name} must be ${zeroOk ? 'non-negative' : 'positive'}, got ${v}`);
  };
  check('weight decay', o.weightDecay, true);
  check('clipnorm', o.clipnorm, false);
  check('clipvalue', o.clipvalue, false);
  return { weightDecay: o.weightDecay || undefined, clipnorm: o.clipnorm, clipvalue: o.clipvalue };
}

/**
 * The part of a step that comes before the optimizer's own update, in Keras 3's order: clip the gradients
 * (by value, then by global norm), then decay the weights.
 */
export function beforeUpdate(k: Kernels, params: readonly Param[], o: CommonOptions, learningRate: number): void {
  if (o.clipvalue !== undefined) for (const p of params) k.clamp(p.grad, p.size, -o.clipvalue, o.clipvalue);
  if (o.clipnorm !== undefined) {
    let sum = 0;
    for (const p of params) sum += k.sumSquares(p.grad, p.size);
    const norm = Math.sqrt(sum);
    if (norm > o.clipnorm) for (const p of params) k.scale(p.grad, p.grad, p.size, o.clipnorm / norm);
  }
  if (o.weightDecay) {
    const keep = 1 - learningRate * o.weightDecay;
    for (const p of params) k.scale(p.value, p.value, p.size, keep);
  }
}

/** The common options as Keras config keys. */
export function commonConfig(o: CommonOptions): Record<string, unknown> {
  return {
    weight_decay: o.weightDecay ?? null,
    clipnorm: null,
    global_clipnorm: o.clipnorm ?? null,
    clipvalue: o.clipvalue ?? null,
  };
}
