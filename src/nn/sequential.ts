import { kerasSnakeCase } from './naming.js';
import type { Kernels, Ptr } from '../kernels/index.js';
import {
  ownOutputBuffers,
  type Layer,
  type OutputBuffers,
  type Param,
  type PlanInput,
  type PlanOutput,
  type SoftmaxLogits,
} from './layer.js';
import { ConvReluMaxPool, fuseConvReluMaxPool } from './layers/conv-relu-max-pool.js';
import type { LossName } from './losses.js';
import type { Optimizer } from './optimizers/index.js';
import { globalGradientNorm } from './optimizers/optimizer.js';
import { Rng } from './rng.js';
import { formatBatchShape, sizeOf, type Shape } from './tensor.js';

export interface SequentialOptions {
  /** Per-sample input shape, e.g. [784] or [28, 28]. */
  inputShape: Shape;
  name?: string;
}

/** What a plan executes: a layer, or several layers run as one (see ConvReluMaxPool). */
interface Step {
  readonly stochastic?: boolean;
  readonly outputShape: Shape;
  restartStatistics?(): void;
  outputBuffers?(training: boolean): OutputBuffers;
  plan(kernels: Kernels, batch: number, training: boolean, input: PlanInput, output: PlanOutput): void;
  forward(k: Kernels, rows: number, training: boolean, seed: number): void;
  backward(k: Kernels, rows: number): void;
}

/** Results of one batch: summed loss over its rows and how many rows were classified correctly (reused object). */
export interface BatchResult {
  lossSum: number;
  correct: number;
}

/**
 * A linear stack of layers, trained with fused softmax cross-entropy. Its memory lives in the kernels' heap:
 * `build` allocates parameters, `compile` the optimizer state, `plan(batch)` every activation buffer.
 * After planning, a step (load batch → forward → loss → backward → update) allocates nothing.
 */
export class Sequential {
  readonly name: string;
  readonly layers: Layer[];
  readonly inputShape: Shape;
  kernels!: Kernels;
  rng = new Rng(0);
  optimizer: Optimizer | null = null;
  loss: LossName = 'categorical_crossentropy';
  /**
   * Label smoothing of the training loss (Keras's CategoricalCrossentropy(label_smoothing)): targets become
   * (1 − ε)·one-hot + ε/classes. Gradients and the training loss use it; evaluation reports plain cross-entropy.
   */
  labelSmoothing = 0;
  /**
   * Sharpness-aware minimization (Foret et al. 2021; Keras's SharpnessAwareMinimization model, `rho`): when
   * > 0, each training step takes its gradients at the weights moved by ρ·g/‖g‖ (g: the batch's gradients at
   * the weights themselves), which seeks flat minima at the cost of a second forward and backward pass. The
   * step reports the loss and accuracy of the first pass (at the actual weights). 0 (default): plain steps.
   */
  samRho = 0;
  /**
   * Let plans run layer pairs as one fused step where that gives the same result faster (default true; false
   * runs every layer on its own, for comparisons).
   */
  fuse = true;

  /** Heap top after parameters and optimizer state; plans start here. */
  private baseMark = 0;
  private planned = { batch: 0, training: false };
  private inputPtr: Ptr = 0;
  private labelsPtr: Ptr = 0;
  private targetsPtr: Ptr = 0;
  private outputPtr: Ptr = 0;
  private outputGrad: Ptr = 0;
  private logits: SoftmaxLogits | null = null;
  /** SAM: where the weights wait while the gradients are taken at the perturbed point (0: no SAM in this plan). */
  private samBackup: Ptr = 0;
  private samParams: Param[] = [];
  /** The current plan's execution order: the layers, with fusable pairs joined. */
  private steps: Step[] = [];
  /** Reused result object: steps return it instead of allocating. */
  private readonly result: BatchResult = { lossSum: 0, correct: 0 };

  constructor(layers: Layer[], options: SequentialOptions) {
    if (layers.length === 0) throw new RangeError('a Sequential model needs at least one layer');
    this.layers = layers;
    this.inputShape = options.inputShape;
    this.name = options.name ?? 'sequential';
  }

  /** Allocates parameters (drawn by each layer's kernel initializer from `seed`) and names layers Keras-style. */
  build(kernels: Kernels, seed = 0): this {
    this.kernels = kernels;
    this.rng = new Rng(seed);
    const counts = new Map<string, number>();
    const taken = new Set(this.layers.map((l) => l.name).filter(Boolean));
    for (const layer of this.layers) {
      if (layer.name) continue;
      const base = kerasSnakeCase(layer.className);
      let i = counts.get(base) ?? 0;
      let name = i === 0 ? base : `${base}_${i}`;
      while (taken.has(name)) name = `${base}_${++i}`;
      counts.set(base, i + 1);
      taken.add(name);
      layer.name = name;
    }
    let shape = this.inputShape;
    for (const layer of this.layers) shape = layer.build(kernels.heap, this.rng, shape);
    for (let i = 1; i < this.layers.length; i++)
      this.layers[i].takeReluBackwardFrom?.(this.layers[i - 1], kernels.heap);
    this.baseMark = kernels.heap.pin();
    return this;
  }

  /** Sets the optimizer (allocating its state), loss, label smoothing and SAM's rho. Invalidates any plan. */
  compile(options: { optimizer: Optimizer } & Objective): this {
    this.requireBuilt();
    this.setObjective(options);
    this.kernels.heap.reset(this.baseMark);
    options.optimizer.init(this.kernels.heap, this.trainableParams);
    this.optimizer = options.optimizer;
    this.baseMark = this.kernels.heap.pin();
    this.planned = { batch: 0, training: false };
    return this;
  }

  /**
   * Sets what training minimizes without touching the optimizer (a run resumed from a checkpoint keeps its
   * optimizer's state): the loss, label smoothing and SAM's rho, checked here for every caller.
   */
  setObjective(options: Objective): void {
    const problem = objectiveProblem(options);
    if (problem) throw new RangeError(problem);
    const smoothing = options.labelSmoothing ?? 0;
    const rho = options.samRho ?? 0;
    if (rho > 0 !== this.samRho > 0) this.planned = { batch: 0, training: false }; // SAM needs its backup planned
    this.loss = options.loss ?? 'categorical_crossentropy';
    this.labelSmoothing = smoothing;
    this.samRho = rho;
  }

  get params(): Param[] {
    return this.layers.flatMap((l) => [...l.params]);
  }

  /** The parameters the optimizer updates. */
  get trainableParams(): Param[] {
    return this.params.filter((p) => p.trainable !== false);
  }

  get paramCount(): number {
    return this.params.reduce((a, p) => a + p.size, 0);
  }

  get outputShape(): Shape {
    return this.layers[this.layers.length - 1].outputShape;
  }

  get inputSize(): number {
    return sizeOf(this.inputShape);
  }

  get classes(): number {
    return sizeOf(this.outputShape);
  }

  /** Whether the output is already a probability distribution (ends in softmax) rather than logits. */
  get outputIsProbability(): boolean {
    return this.logits !== null || this.lastSoftmax() !== null;
  }

  /** The current plan's steps by layer name; layers run as one fused step are joined by "+". */
  get executionPlan(): string[] {
    return this.steps.map((s) => (s instanceof ConvReluMaxPool ? `${s.conv.name}+${s.pool.name}` : (s as Layer).name));
  }

  /** Batch size of the current plan (0 if none). */
  get plannedBatch(): number {
    return this.planned.batch;
  }

  /**
   * Allocates every buffer for batches of up to `batch` rows. Training plans also get gradient buffers.
   * Frees the previous plan and anything staged after it.
   */
  plan(batch: number, training: boolean): void {
    this.requireBuilt();
    const heap = this.kernels.heap;
    heap.reset(this.baseMark);
    this.inputPtr = heap.alloc(batch * this.inputSize * 4);
    this.labelsPtr = heap.alloc(batch);
    this.targetsPtr = training && this.loss === 'categorical_crossentropy' ? heap.alloc(batch * this.classes * 4) : 0;
    this.samParams = training && this.samRho > 0 ? this.trainableParams : [];
    this.samBackup = this.samParams.length ? heap.alloc(this.samParams.reduce((a, p) => a + p.size, 0) * 4) : 0;
    let io = { y: this.inputPtr, dy: 0 };
    this.steps = [];
    for (let i = 0; i < this.layers.length; i++) {
      // A fused step computes no input gradient, so it only replaces layers whose input gradient nobody reads.
      const fused = this.fuse && io.dy === 0 ? fuseConvReluMaxPool(this.layers[i], this.layers[i + 1]) : null;
      const step: Step = fused ?? this.layers[i];
      if (fused) i++;
      // Every step's output buffers are planned here, from its output shape, as the step says it needs them.
      const wants = step.outputBuffers?.(training) ?? ownOutputBuffers(training);
      const bytes = batch * sizeOf(step.outputShape) * 4;
      const output = {
        y: wants.y === 'own' ? heap.alloc(bytes) : io.y,
        dy: wants.dy === 'own' ? heap.alloc(bytes) : wants.dy === 'input' ? io.dy : 0,
      };
      step.plan(this.kernels, batch, training, { x: io.y, dx: io.dy, fromData: io.y === this.inputPtr }, output);
      io = output;
      this.steps.push(step);
    }
    this.outputPtr = io.y;
    this.outputGrad = io.dy;
    this.logits = this.lastSoftmax();
    this.planned = { batch, training };
  }

  private lastSoftmax(): SoftmaxLogits | null {
    return this.layers[this.layers.length - 1].softmaxLogits?.() ?? null;
  }

  /** Copies uint8 data into the heap after the current plan (valid until the next plan). */
  stage(bytes: Uint8Array): Ptr {
    return this.kernels.heap.allocBytes(bytes);
  }

  /**
   * Gathers rows idx[0..rows) of staged uint8 images (as x · scale + shift) and labels into the input buffers.
   */
  loadBatch(images: Ptr, labels: Ptr, idx: Ptr, rows: number, scale: number, shift = 0): void {
    this.requirePlan(rows);
    this.kernels.gatherScale(images, idx, rows, this.inputSize, this.inputPtr, scale, shift);
    if (labels) this.kernels.gatherLabels(labels, idx, rows, this.labelsPtr);
  }

  /** The input buffer (rows × inputSize floats) for callers that fill it directly. */
  get input(): Ptr {
    return this.inputPtr;
  }

  /** The u8 label buffer of the current batch. */
  get labels(): Ptr {
    return this.labelsPtr;
  }

  /** The output buffer (rows × classes floats): probabilities if the model ends in softmax, else logits. */
  get output(): Ptr {
    return this.outputPtr;
  }

  forward(rows: number, training: boolean): void {
    this.requirePlan(rows);
    if (training && !this.planned.training) throw new Error('forward(training) needs a training plan');
    const k = this.kernels;
    for (const step of this.steps)
      step.forward(k, rows, training, step.stochastic && training ? this.rng.nextU32() : 0);
  }

  /**
   * Forward pass that feeds the loaded batch to the layers' moving statistics: batch-norm layers run as in
   * training (normalise with the batch, update their moving mean and variance), every other layer as at
   * inference, so dropout does not skew the statistics. Works with either plan; no gradients.
   */
  forwardForStatistics(rows: number): void {
    this.requirePlan(rows);
    const k = this.kernels;
    for (const step of this.steps) step.forward(k, rows, step.restartStatistics !== undefined, 0);
  }

  /** Loss over the batch (mean) with gradients w.r.t. logits written when `withGrad`; also counts correct rows. */
  private lossAndCorrect(rows: number, withGrad: boolean): BatchResult {
    const k = this.kernels;
    const z = this.logits?.z ?? this.outputPtr;
    const dz = withGrad ? (this.logits?.dz ?? this.outputGrad) : 0;
    const sparse = this.loss === 'sparse_categorical_crossentropy' || !this.targetsPtr;
    if (!sparse) k.oneHot(this.labelsPtr, rows, this.classes, this.targetsPtr);
    if (!sparse && withGrad && this.labelSmoothing > 0) {
      const t = k.heap.f32(this.targetsPtr, rows * this.classes);
      const keep = 1 - this.labelSmoothing;
      const spread = this.labelSmoothing / this.classes;
      for (let i = 0; i < t.length; i++) t[i] = t[i] * keep + spread;
    }
    this.result.lossSum = k.softmaxCrossEntropy(
      z,
      sparse ? this.labelsPtr : 0,
      sparse ? 0 : this.targetsPtr,
      rows,
      this.classes,
      dz,
      1 / rows,
    );
    this.result.correct = k.countCorrect(z, rows, this.classes, this.labelsPtr);
    return this.result;
  }

  /** Forward in training mode, loss, and backward: fills every parameter's gradient. */
  computeGradients(rows: number): BatchResult {
    this.forward(rows, true);
    const result = this.lossAndCorrect(rows, true);
    const k = this.kernels;
    const start = this.logits?.viaInput ? this.steps.length - 2 : this.steps.length - 1;
    for (let i = start; i >= 0; i--) this.steps[i].backward(k, rows);
    return result;
  }

  /** One optimisation step on the loaded batch. */
  trainStep(rows: number): BatchResult {
    if (!this.optimizer) throw new Error('compile the model with an optimizer before training');
    const result = this.samRho > 0 ? this.sharpnessAwareGradients(rows) : this.computeGradients(rows);
    this.optimizer.step(this.kernels);
    return result;
  }

  /**
   * SAM's gradients: g at the weights w, then the gradients at w + ρ·g/‖g‖ (‖·‖: the global L2 norm over all
   * trainable weights, as in Keras), and w restored exactly from a copy (Keras subtracts the step back, which
   * can round). Batch-norm statistics move in both passes, as in Keras.
   */
  private sharpnessAwareGradients(rows: number): BatchResult {
    checkSamRho(this.samRho);
    if (!this.samBackup) throw new Error('samRho was set after planning: plan() again before training');
    const k = this.kernels;
    const first = this.computeGradients(rows);
    const lossSum = first.lossSum;
    const correct = first.correct;
    const ascent = this.samRho / (globalGradientNorm(k, this.samParams) + 1e-12);
    let at = this.samBackup;
    for (const p of this.samParams) {
      k.copy(p.value, at, p.size);
      k.sgd(p.value, p.grad, 0, p.size, -ascent, 0, false);
      at += p.size * 4;
    }
    this.computeGradients(rows);
    at = this.samBackup;
    for (const p of this.samParams) {
      k.copy(at, p.value, p.size);
      at += p.size * 4;
    }
    this.result.lossSum = lossSum;
    this.result.correct = correct;
    return this.result;
  }

  /** Inference on the loaded batch: loss and correct count against its labels. */
  evaluateStep(rows: number): BatchResult {
    this.forward(rows, false);
    return this.lossAndCorrect(rows, false);
  }

  /** The layers as data: name, Keras class, output shape (batch dimension null) and parameter count. */
  layerInfo(): { name: string; type: string; output_shape: (number | null)[]; params: number }[] {
    return this.layers.map((l) => ({
      name: l.name,
      type: l.className,
      output_shape: [null, ...l.outputShape],
      params: l.params.reduce((a, p) => a + p.size, 0),
    }));
  }

  /** Keras-style summary table. */
  summary(): string {
    const names = this.layers.map((l) => `${l.name} (${l.className})`);
    const w = [Math.max(29, ...names.map((n) => n.length + 3)), 26, 10];
    const line = (c: string) => c.repeat(w[0] + w[1] + w[2]);
    const row = (a: string, b: string, c: string) => ` ${a.padEnd(w[0] - 2)} ${b.padEnd(w[1] - 1)} ${c}`;
    const out = [`Model: "${this.name}"`, line('_'), row('Layer (type)', 'Output Shape', 'Param #'), line('=')];
    this.layers.forEach((l, i) => {
      const count = l.params.reduce((a, p) => a + p.size, 0);
      out.push(row(names[i], formatBatchShape(l.outputShape), count.toString()));
      out.push(i === this.layers.length - 1 ? line('=') : '');
    });
    const fmt = (n: number) => n.toLocaleString('en-US');
    const trainable = this.trainableParams.reduce((a, p) => a + p.size, 0);
    out.push(
      `Total params: ${fmt(this.paramCount)}`,
      `Trainable params: ${fmt(trainable)}`,
      `Non-trainable params: ${fmt(this.paramCount - trainable)}`,
      line('_'),
    );
    return out.join('\n');
  }

  private requireBuilt(): void {
    if (!this.kernels) throw new Error('build the model before using it');
  }

  private requirePlan(rows: number): void {
    if (rows < 1 || rows > this.planned.batch) {
      throw new RangeError(`batch of ${rows} rows does not fit the plan (${this.planned.batch}); call plan() first`);
    }
  }
}

/** What training minimizes: the loss, its label smoothing and SAM's rho (sharpness-aware steps when > 0). */
export interface Objective {
  loss?: LossName;
  labelSmoothing?: number;
  samRho?: number;
}

/** What is wrong with an objective, or null. */
export function objectiveProblem(o: Objective): string | null {
  const smoothing = o.labelSmoothing ?? 0;
  const rho = o.samRho ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) return `label smoothing must be in [0, 1), got ${smoothing}`;
  if (!(Number.isFinite(rho) && rho >= 0)) return `SAM rho must be a non-negative number, got ${rho}`;
  if (smoothing > 0 && o.loss === 'sparse_categorical_crossentropy')
    return 'label smoothing needs categorical_crossentropy (as in Keras)';
  return null;
}

function checkSamRho(rho: number): void {
  if (!(Number.isFinite(rho) && rho >= 0)) throw new RangeError(`SAM rho must be a non-negative number, got ${rho}`);
}
