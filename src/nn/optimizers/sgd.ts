import type { Kernels } from '../../kernels/index.js';
import type { Param } from '../layer.js';
import { BaseOptimizer, type CommonOptions } from './optimizer.js';

export interface SgdOptions extends CommonOptions {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** Stochastic gradient descent with optional (Nesterov) momentum; Keras defaults lr 0.01, momentum 0. */
export class SGD extends BaseOptimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(o: SgdOptions = {}) {
    super(o.learningRate ?? 0.01, o);
    this.momentum = o.momentum ?? 0;
    this.nesterov = o.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new RangeError(`SGD momentum must be in [0, 1), got ${this.momentum}`);
  }

  /** A velocity per parameter only with momentum (plain SGD keeps no state). */
  protected slotNames(): readonly string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected updateStep(k: Kernels, p: Param, i: number): void {
    k.sgd(p.value, p.grad, this.slot(i, 0), p.size, this.learningRate, this.momentum, this.nesterov);
  }

  protected ownConfig(): Record<string, unknown> {
    return { decay: 0.0, momentum: this.momentum, nesterov: this.nesterov };
  }
}
