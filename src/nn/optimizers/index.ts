import { Adadelta } from './adadelta.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import type { CommonOptions, Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export { RMSprop, type RmspropOptions } from './rmsprop.js';
export { SGD, type SgdOptions } from './sgd.js';
export type { CommonOptions, Optimizer, Slot } from './optimizer.js';
export { overwriteWithAverages, swapAverages, weightAverages } from './optimizer.js';

export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd', 'rmsprop', 'adadelta'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Builds an optimizer by name with Keras defaults, overriding what is given. */
export function makeOptimizer(
  name: OptimizerName,
  learningRate?: number,
  momentum?: number,
  nesterov?: boolean,
  common: CommonOptions = {},
): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam({ learningRate, ...common });
    case 'adamw':
      return new AdamW({ learningRate, ...common });
    case 'sgd':
      return new SGD({ learningRate, momentum, nesterov, ...common });
    case 'rmsprop':
      return new RMSprop({ learningRate, ...common });
    case 'adadelta':
      return new Adadelta({ learningRate, ...common });
  }
}

/** Rebuilds an optimizer from a Keras optimizer config (class name + config), e.g. from training_config. */
export function optimizerFromKeras(className: string, config: Record<string, unknown>): Optimizer {
  const num = (k: string): number | undefined => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  const common: CommonOptions = {
    weightDecay: num('weight_decay'),
    clipnorm: num('global_clipnorm'),
    clipvalue: num('clipvalue'),
    useEma: config.use_ema === true,
    emaMomentum: num('ema_momentum'),
    emaOverwriteFrequency: num('ema_overwrite_frequency'),
  };
  const adam = { beta1: num('beta_1'), beta2: num('beta_2'), epsilon: num('epsilon') };
  const learningRate = num('learning_rate');
  switch (className) {
    case 'Adam':
      return new Adam({ learningRate, ...adam, ...common });
    case 'AdamW':
      return new AdamW({ learningRate, ...adam, ...common });
    case 'SGD':
      return new SGD({ learningRate, momentum: num('momentum'), nesterov: config.nesterov === true, ...common });
    case 'RMSprop':
      return new RMSprop({ learningRate, rho: num('rho'), epsilon: num('epsilon'), ...common });
    case 'Adadelta':
      return new Adadelta({ learningRate, rho: num('rho'), epsilon: num('epsilon'), ...common });
    default:
      throw new RangeError(`optimizer ${className} is not supported (Adam, AdamW, SGD, RMSprop, Adadelta)`);
  }
}
