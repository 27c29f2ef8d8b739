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
  /** Every state array, the optimizer's own first, then the weight averages (when it keeps them). */
  readonly slots: readonly Slot[];
  /** Keras optimizer config. */
  config(): Record<string, unknown>;
}

/**
 * What the optimizers share: the common options, Keras 3's order of a step (clip and decay the gradients and
 * weights, the optimizer's own update of each parameter, then the weight averages), their state slots and
 * config. An optimizer gives its slot names, its update of one parameter and its own config keys.
 */
export abstract class BaseOptimizer implements Optimizer {
  abstract readonly className: string;
  iterations = 0;
  slots: Slot[] = [];
  readonly common: CommonOptions;
  private params: readonly Param[] = [];
  private averages: Slot[] = [];
  private perParam = 0;

  constructor(
    public learningRate: number,
    common: CommonOptions,
  ) {
    this.common = commonOptions(common);
  }

  /** The state each parameter keeps, by Keras slot name (e.g. Adam's "m", "v"). */
  protected abstract slotNames(): readonly string[];
  /** This optimizer's update of parameter `i` (`p`); `this.slot(i, j)` is its j-th slot. */
  protected abstract updateStep(k: Kernels, p: Param, i: number): void;
  /** Keras config keys of this optimizer's own hyper-parameters. */
  protected abstract ownConfig(): Record<string, unknown>;

  init(heap: Heap, params: readonly Param[]): void {
    this.params = params;
    const names = this.slotNames();
    this.perParam = names.length;
    this.averages = allocAverages(heap, params, this.common);
    this.slots = [...allocSlots(heap, params, names), ...this.averages];
  }

  step(k: Kernels): void {
    this.iterations++;
    beforeUpdate(k, this.params, this.common, this.learningRate);
    for (let i = 0; i < this.params.length; i++) this.updateStep(k, this.params[i], i);
    afterUpdate(k, this.averages, this.common, this.iterations);
  }

  /** Parameter i's j-th slot (0 when the optimizer keeps none). */
  protected slot(i: number, j: number): Ptr {
    return j < this.perParam ? this.slots[i * this.perParam + j].ptr : 0;
  }

  config(): Record<string, unknown> {
    return {
      ...commonConfig(this.common),
      name: this.className,
      learning_rate: this.learningRate,
      ...this.ownConfig(),
    };
  }
}

/** An optimizer that keeps running averages of squares, weighted by rho (RMSprop, Adadelta). */
export abstract class RhoOptimizer extends BaseOptimizer {
  readonly rho: number;
  readonly epsilon: number;

  constructor(o: RhoOptions, defaultRho: number) {
    super(o.learningRate ?? 1e-3, o);
    this.rho = o.rho ?? defaultRho;
    this.epsilon = o.epsilon ?? 1e-7;
  }
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
  /**
   * Keep an exponential moving average of every trainable weight, updated after each step (Keras `use_ema`):
   * average ← m·average + (1 − m)·weight, starting from the weights after the first step. Training ends with
   * the averages as the weights (Keras's finalize_variable_values), and `fit` validates them after each epoch.
   */
  useEma?: boolean;
  /** m above (Keras `ema_momentum`, default 0.99). Steps averaged over: about 1 / (1 − m). */
  emaMomentum?: number;
  /** Every this many steps, also overwrite the weights with their averages (Keras `ema_overwrite_frequency`). */
  emaOverwriteFrequency?: number;
}

/** The options of an optimizer that keeps running averages of squares (RMSprop, Adadelta). */
export interface RhoOptions extends CommonOptions {
  learningRate?: number;
  /** Weight of the old value in the running averages. */
  rho?: number;
  epsilon?: number;
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
  const m = o.emaMomentum ?? 0.99;
  if (o.useEma && !(m >= 0 && m < 1)) throw new RangeError(`EMA momentum must be in [0, 1), got ${m}`);
  const every = o.emaOverwriteFrequency;
  if (o.useEma && every !== undefined && !(Number.isInteger(every) && every >= 1))
    throw new RangeError(`EMA overwrite frequency must be a positive integer, got ${every}`);
  return {
    weightDecay: o.weightDecay || undefined,
    clipnorm: o.clipnorm,
    clipvalue: o.clipvalue,
    ...(o.useEma ? { useEma: true, emaMomentum: m, emaOverwriteFrequency: every } : {}),
  };
}

/** The moving-average slots ("average", one per parameter in order) when the options ask for them, else none. */
export function allocAverages(heap: Heap, params: readonly Param[], o: CommonOptions): Slot[] {
  return o.useEma ? allocSlots(heap, params, ['average']) : [];
}

/**
 * The part of a step that comes after the optimizer's own update, in Keras 3's order: update the weight
 * averages (the first step copies the weights), then overwrite the weights with them every
 * emaOverwriteFrequency steps. `iterations` counts this step.
 */
export function afterUpdate(k: Kernels, averages: readonly Slot[], o: CommonOptions, iterations: number): void {
  if (!averages.length) return;
  const momentum = iterations === 1 ? 0 : o.emaMomentum!;
  for (const a of averages) k.movingAverage(a.ptr, a.param.value, a.param.size, momentum);
  if (o.emaOverwriteFrequency && iterations % o.emaOverwriteFrequency === 0) overwriteWithAverages(k, averages);
}

/** The optimizer's weight averages (Keras use_ema), one per parameter, or null when it keeps none. */
export function weightAverages(o: Optimizer): Slot[] | null {
  const averages = o.slots.filter((s) => s.name === 'average');
  return averages.length ? averages : null;
}

/** Exchanges every parameter's values with its average: call once to evaluate the averages, again to go back. */
export function swapAverages(heap: Heap, averages: readonly Slot[]): void {
  for (const a of averages) {
    const w = heap.f32(a.param.value, a.param.size);
    const v = heap.f32(a.ptr, a.param.size);
    for (let i = 0; i < w.length; i++) {
      const t = w[i];
      w[i] = v[i];
      v[i] = t;
    }
  }
}

/**
 * Makes the averages the weights: every emaOverwriteFrequency steps, and at the end of fit (Keras's
 * finalize_variable_values).
 */
export function overwriteWithAverages(k: Kernels, averages: readonly Slot[]): void {
  for (const a of averages) k.copy(a.ptr, a.param.value, a.param.size);
}

/**
 * The part of a step that comes before the optimizer's own update, in Keras 3's order: clip the gradients
 * (by value, then by global norm), then decay the weights.
 */
export function beforeUpdate(k: Kernels, params: readonly Param[], o: CommonOptions, learningRate: number): void {
  if (o.clipvalue !== undefined) for (const p of params) k.clamp(p.grad, p.size, -o.clipvalue, o.clipvalue);
  if (o.clipnorm !== undefined) {
    const norm = globalGradientNorm(k, params);
    if (norm > o.clipnorm) for (const p of params) k.scale(p.grad, p.grad, p.size, o.clipnorm / norm);
  }
  if (o.weightDecay) {
    const keep = 1 - learningRate * o.weightDecay;
    for (const p of params) k.scale(p.value, p.value, p.size, keep);
  }
}

/** The L2 norm of all the parameters' gradients taken together (Keras's global norm). */
export function globalGradientNorm(k: Kernels, params: readonly Param[]): number {
  let sum = 0;
  for (const p of params) sum += k.sumSquares(p.grad, p.size);
  return Math.sqrt(sum);
}

/** The common options as Keras config keys. */
export function commonConfig(o: CommonOptions): Record<string, unknown> {
  return {
    weight_decay: o.weightDecay ?? null,
    clipnorm: null,
    global_clipnorm: o.clipnorm ?? null,
    clipvalue: o.clipvalue ?? null,
    use_ema: o.useEma ?? false,
    ema_momentum: o.emaMomentum ?? 0.99,
    ema_overwrite_frequency: o.emaOverwriteFrequency ?? null,
  };
}
