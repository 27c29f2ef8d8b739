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

export interface AdadeltaOptions extends CommonOptions {
  learningRate?: number;
  rho?: number;
  epsilon?: number;
}

/** Adadelta with Keras defaults (lr 1e-3, ρ 0.95, ε 1e-7): per-weight steps from running averages of g² and Δ². */
export class Adadelta implements Optimizer {
  readonly className = 'Adadelta';
  learningRate: number;
  readonly rho: number;
  readonly epsilon: number;
  iterations = 0;
  slots: Slot[] = [];
  readonly common: CommonOptions;
  private params: readonly Param[] = [];
  private averages: Slot[] = [];

  constructor(o: AdadeltaOptions = {}) {
    this.common = commonOptions(o);
    this.learningRate = o.learningRate ?? 1e-3;
    this.rho = o.rho ?? 0.95;
    this.epsilon = o.epsilon ?? 1e-7;
  }

  init(heap: Heap, params: readonly Param[]): void {
    this.params = params;
    this.averages = allocAverages(heap, params, this.common);
    this.slots = [...allocSlots(heap, params, ['accumulated_grad', 'accumulated_delta_var']), ...this.averages];
  }

  step(k: Kernels): void {
    this.iterations++;
    beforeUpdate(k, this.params, this.common, this.learningRate);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      const [g, d] = [this.slots[2 * i].ptr, this.slots[2 * i + 1].ptr];
      k.adadelta(p.value, p.grad, g, d, p.size, this.learningRate, this.rho, this.epsilon);
    }
    afterUpdate(k, this.averages, this.common, this.iterations);
  }

  config(): Record<string, unknown> {
    return {
      ...commonConfig(this.common),
      name: 'Adadelta',
      learning_rate: this.learningRate,
      rho: this.rho,
      epsilon: this.epsilon,
    };
  }
}
