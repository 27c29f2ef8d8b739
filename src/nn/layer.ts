import type { Heap, Kernels, Ptr } from '../kernels/index.js';
import type { Rng } from './rng.js';
import type { Shape } from './tensor.js';

/** A trainable array: value and gradient live in the engine heap. */
export interface Param {
  /** Keras weight name within the layer: "kernel" or "bias". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  readonly value: Ptr;
  readonly grad: Ptr;
  /** False for state the optimizer must not touch (batch norm's moving statistics). Default true. */
  readonly trainable?: boolean;
}

/** Buffers a layer gets from its predecessor when a model is planned for a batch size. */
export interface PlanInput {
  /** Input activations (batch × input size). */
  x: Ptr;
  /** Gradient w.r.t. the input, written by backward; 0 when nobody needs it. */
  dx: Ptr;
  /** x is the model's input as loaded (through reshapes only): data, often with features blank in a whole batch. */
  fromData?: boolean;
}

/** A layer's output buffers in a plan, which Sequential allocates (see `outputBuffers`). */
export interface PlanOutput {
  y: Ptr;
  /** Gradient w.r.t. the output, filled by the successor; 0 in inference plans. */
  dy: Ptr;
}

/**
 * Where a layer's output and output gradient live: buffers of their own, sized from its output shape, that
 * Sequential allocates ('own'); its input's ('input': the layer passes data through, as Flatten does); or none.
 */
export interface OutputBuffers {
  y: 'own' | 'input';
  dy: 'own' | 'input' | 'none';
}

/** What most layers have: their own output, and their own output gradient when training. */
export function ownOutputBuffers(training: boolean): OutputBuffers {
  return { y: 'own', dy: training ? 'own' : 'none' };
}

/**
 * One layer of a Sequential model. Lifecycle: `build` (shapes, parameters) once; `plan` per batch size
 * (buffers); then any number of `forward`/`backward` calls over the first `rows` rows.
 */
export interface Layer {
  /** Keras class name ("Dense", "Dropout", …). */
  readonly className: string;
  name: string;
  readonly params: readonly Param[];
  /** Per-sample output shape, known after build. */
  readonly outputShape: Shape;
  build(heap: Heap, rng: Rng, inputShape: Shape): Shape;
  /** The layer's output buffers in a plan (default: ownOutputBuffers). */
  outputBuffers?(training: boolean): OutputBuffers;
  /**
   * Takes a plan's buffers, its input's and its output's (allocated by Sequential as `outputBuffers` says), and
   * allocates whatever scratch of its own the batch size needs.
   */
  plan(kernels: Kernels, batch: number, training: boolean, input: PlanInput, output: PlanOutput): void;
  /** `seed` drives stochastic layers (dropout) in training. */
  forward(k: Kernels, rows: number, training: boolean, seed: number): void;
  backward(k: Kernels, rows: number): void;
  /** The layer's Keras config (name, units, activation, …). */
  config(): Record<string, unknown>;
  /**
   * When this layer's output is softmax(z): z and the buffer that receives dLoss/dz, so the loss can
   * fuse softmax with cross-entropy. backward() then starts from dz.
   */
  softmaxLogits?(): SoftmaxLogits | null;
  /** Stochastic layers need a fresh seed per step. */
  readonly stochastic?: boolean;
  /**
   * Layers with moving batch statistics (batch norm): from this call on, training forwards make the statistics
   * the exact average of the batches seen, until `followMomentum()`. Re-estimation (`forwardForStatistics`)
   * runs such layers in training mode and every other layer as at inference.
   */
  restartStatistics?(): void;
  /** Back to the layer's momentum update of its moving statistics. */
  followMomentum?(): void;
  /**
   * Called after build with the layer before this one: a layer whose backward can also do that layer's ReLU
   * backward (max pooling) takes it over, if the previous layer agrees (see `handOverReluBackward`).
   */
  takeReluBackwardFrom?(previous: Layer, heap: Heap): void;
  /** A layer ending in ReLU lets the next one do its ReLU backward: true if it will then skip its own. */
  handOverReluBackward?(): boolean;
}

/** A softmax output's logits z and the buffer for dLoss/dz; viaInput: z is the layer's input (backward starts below). */
export interface SoftmaxLogits {
  z: Ptr;
  dz: Ptr;
  viaInput: boolean;
}

/** Allocates a parameter (value and gradient, zeroed; a non-trainable one gets no gradient). */
export function allocParam(heap: Heap, name: string, shape: number[], trainable = true): Param {
  const size = shape.reduce((a, b) => a * b, 1);
  const value = heap.allocF32(size);
  return trainable
    ? { name, shape, size, value, grad: heap.allocF32(size) }
    : { name, shape, size, value, grad: 0, trainable };
}
