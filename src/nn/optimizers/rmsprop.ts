import type { Kernels } from '../../kernels/index.js';
import type { Param } from '../layer.js';
import { RhoOptimizer, type RhoOptions } from './optimizer.js';

export type RmspropOptions = RhoOptions;

/** RMSprop with Keras defaults (lr 1e-3, ρ 0.9, ε 1e-7), no momentum, not centered. */
export class RMSprop extends RhoOptimizer {
  readonly className = 'RMSprop';
  constructor(o: RhoOptions = {}) {
    super(o, 0.9);
  }

  protected slotNames(): readonly string[] {
    return ['rms'];
  }

  protected updateStep(k: Kernels, p: Param, i: number): void {
    k.rmsprop(p.value, p.grad, this.slot(i, 0), p.size, this.learningRate, this.rho, this.epsilon);
  }

  protected ownConfig(): Record<string, unknown> {
    return { decay: 0.0, rho: this.rho, momentum: 0.0, epsilon: this.epsilon, centered: false };
  }
}
