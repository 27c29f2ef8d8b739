import { Adam, type AdamOptions } from './adam.js';

/** AdamW: Adam with decoupled weight decay (Keras default weight_decay 0.004; lr 1e-3, β 0.9/0.999, ε 1e-7). */
export class AdamW extends Adam {
  override readonly className: string = 'AdamW';

  constructor(o: AdamOptions = {}) {
    super({ ...o, weightDecay: o.weightDecay ?? 0.004 });
  }
}
