import type { Heap, Kernels } from '../../kernels/index.js';
import type { Param } from '../layer.js';
import {
  afterUpdate,
  allocAverages,
  allocSlots,
  beforeUpdate,
  commonConfig,
  commonOptions,
  type CommonOptions,
  type Optimizer,
  type Slot,
} from './optimizer.js';

export interface AdamOptions extends CommonOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam with Keras defaults (lr 1e-3, β 0.9/0.999, ε 1e-7) and Keras 3's update rule. */
export class Adam implements Optimizer {
  readonly className: string = 'Adam';
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  iterations = 0;
  slots: Slot[] = [];
  readonly common: CommonOptions;
  private params: readonly Param[] = [];
  private averages: Slot[] = [];

  constructor(o: AdamOptions = {}) {
    this.common = commonOptions(o);
    this.learningRate = o.learningRate ?? 1e-3;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-7;
  }

  init(heap: Heap, params: readonly Param[]): void {
    this.params = params;
    this.averages = allocAverages(heap, params, this.common);
    this.slots = [...allocSlots(heap, params, ['m', 'v']), ...this.averages];
  }

  step(k: Kernels): void {
    this.iterations++;
    beforeUpdate(k, this.params, this.common, this.learningRate);
    const t = this.iterations;
    const lrT = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      k.adam(
        p.value,
        p.grad,
        this.slots[2 * i].ptr,
        this.slots[2 * i + 1].ptr,
        p.size,
        lrT,
        this.beta1,
        this.beta2,
        this.epsilon,
      );
    }
    afterUpdate(k, this.averages, this.common, this.iterations);
  }

  config(): Record<string, unknown> {
    return {
      ...commonConfig(this.common),
      name: 'Adam',
      learning_rate: this.learningRate,
      decay: 0.0,
      beta_1: this.beta1,
      beta_2: this.beta2,
      epsilon: this.epsilon,
      amsgrad: false,
    };
  }
}
