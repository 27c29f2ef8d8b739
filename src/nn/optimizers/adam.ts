import type { Kernels } from '../../kernels/index.js';
import type { Param } from '../layer.js';
import { BaseOptimizer, type CommonOptions } from './optimizer.js';

export interface AdamOptions extends CommonOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam with Keras defaults (lr 1e-3, β 0.9/0.999, ε 1e-7) and Keras 3's update rule. */
export class Adam extends BaseOptimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(o: AdamOptions = {}) {
    super(o.learningRate ?? 1e-3, o);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-7;
  }

  protected slotNames(): readonly string[] {
    return ['m', 'v'];
  }

  protected updateStep(k: Kernels, p: Param, i: number): void {
    const t = this.iterations;
    const lrT = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    k.adam(p.value, p.grad, this.slot(i, 0), this.slot(i, 1), p.size, lrT, this.beta1, this.beta2, this.epsilon);
  }

  protected ownConfig(): Record<string, unknown> {
    return { decay: 0.0, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: false };
  }
}
