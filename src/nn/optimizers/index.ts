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

/** Rebuilds an optimizer from a Keras optimizer config (class name + config), e.g. from training_config. */
export function optimizerFromKeras(className: string, config: Record<string, unknown>): Optimizer {
  const num = (k: string): number | undefined => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  switch (className) {
    case 'Adam':
      return new Adam({
        learningRate: num('learning_rate'),
        beta1: num('beta_1'),
        beta2: num('beta_2'),
        epsilon: num('epsilon'),
      });
    case 'SGD':
      return new SGD({
        learningRate: num('learning_rate'),
        momentum: num('momentum'),
        nesterov: config.nesterov === true,
      });
    case 'RMSprop':
      return new RMSprop({ learningRate: num('learning_rate'), rho: num('rho'), epsilon: num('epsilon') });
    default:
      throw new RangeError(`optimizer ${className} is not supported (Adam, SGD, RMSprop)`);
  }
}
