import type { Kernels } from '../../kernels/index.js';
import type { Param } from '../layer.js';
import { RhoOptimizer, type RhoOptions } from './optimizer.js';

export type AdadeltaOptions = RhoOptions;

/** Adadelta with Keras defaults (lr 1e-3, ρ 0.95, ε 1e-7): per-weight steps from running averages of g² and Δ². */
export class Adadelta extends RhoOptimizer {
  readonly className = 'Adadelta';
  constructor(o: RhoOptions = {}) {
    super(o, 0.95);
  }

  protected slotNames(): readonly string[] {
    return ['accumulated_grad', 'accumulated_delta_var'];
  }

  protected updateStep(k: Kernels, p: Param, i: number): void {
    k.adadelta(p.value, p.grad, this.slot(i, 0), this.slot(i, 1), p.size, this.learningRate, this.rho, this.epsilon);
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}
