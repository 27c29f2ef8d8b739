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

export interface RmspropOptions extends CommonOptions {
  learningRate?: number;
  rho?: number;
  epsilon?: number;
}

/** RMSprop with Keras defaults (lr 1e-3, ρ 0.9, ε 1e-7), no momentum, not centered. */
export class RMSprop implements Optimizer {
  readonly className = 'RMSprop';
  learningRate: number;
  readonly rho: number;
  readonly epsilon: number;
  iterations = 0;
  slots: Slot[] = [];
  readonly common: CommonOptions;
  private params: readonly Param[] = [];
  private averages: Slot[] = [];

  constructor(o: RmspropOptions = {}) {
    this.common = commonOptions(o);
    this.learningRate = o.learningRate ?? 1e-3;
    this.rho = o.rho ?? 0.9;
    this.epsilon = o.epsilon ?? 1e-7;
  }

  init(heap: Heap, params: readonly Param[]): void {
    this.params = params;
    this.averages = allocAverages(heap, params, this.common);
    this.slots = [...allocSlots(heap, params, ['rms']), ...this.averages];
  }

  step(k: Kernels): void {
    this.iterations++;
    beforeUpdate(k, this.params, this.common, this.learningRate);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      k.rmsprop(p.value, p.grad, this.slots[i].ptr, p.size, this.learningRate, this.rho, this.epsilon);
    }
    afterUpdate(k, this.averages, this.common, this.iterations);
  }

  config(): Record<string, unknown> {
    return {
      ...commonConfig(this.common),
      name: 'RMSprop',
      learning_rate: this.learningRate,
      decay: 0.0,
      rho: this.rho,
      momentum: 0.0,
      epsilon: this.epsilon,
      centered: false,
    };
  }
}
