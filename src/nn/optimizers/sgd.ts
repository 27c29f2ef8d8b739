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

export interface SgdOptions extends CommonOptions {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** Stochastic gradient descent with optional (Nesterov) momentum; Keras defaults lr 0.01, momentum 0. */
export class SGD implements Optimizer {
  readonly className = 'SGD';
  learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  iterations = 0;
  slots: Slot[] = [];
  readonly common: CommonOptions;
  private params: readonly Param[] = [];
  private velocities: Slot[] = [];
  private averages: Slot[] = [];

  constructor(o: SgdOptions = {}) {
    this.common = commonOptions(o);
    this.learningRate = o.learningRate ?? 0.01;
    this.momentum = o.momentum ?? 0;
    this.nesterov = o.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new RangeError(`SGD momentum must be in [0, 1), got ${this.momentum}`);
  }

  init(heap: Heap, params: readonly Param[]): void {
    this.params = params;
    this.velocities = this.momentum > 0 ? allocSlots(heap, params, ['momentum']) : [];
    this.averages = allocAverages(heap, params, this.common);
    this.slots = [...this.velocities, ...this.averages];
  }

  step(k: Kernels): void {
    this.iterations++;
    beforeUpdate(k, this.params, this.common, this.learningRate);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      k.sgd(p.value, p.grad, this.velocities[i]?.ptr ?? 0, p.size, this.learningRate, this.momentum, this.nesterov);
    }
    afterUpdate(k, this.averages, this.common, this.iterations);
  }

  config(): Record<string, unknown> {
    return {
      ...commonConfig(this.common),
      name: 'SGD',
      learning_rate: this.learningRate,
      decay: 0.0,
      momentum: this.momentum,
      nesterov: this.nesterov,
    };
  }
}
