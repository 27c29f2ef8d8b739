import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export { Adam, type AdamOptions } from './adam.js';
export { RMSprop, type RmspropOptions } from './rmsprop.js';
export { SGD, type SgdOptions } from './sgd.js';
export type { Optimizer, Slot } from './optimizer.js';

export const OPTIMIZER_NAMES = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Builds an optimizer by name with Keras defaults, overriding the learning rate when given. */
export function makeOptimizer(
  name: OptimizerName,
  learningRate?: number,
  momentum?: number,
  nesterov?: boolean,
): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam({ learningRate });
    case 'sgd':
      return new SGD({ learningRate, momentum, nesterov });
    case 'rmsprop':
      return new RMSprop({ learningRate });
  }
}
