import { Dense } from './layers/dense.js';
import { Dropout } from './layers/dropout.js';
import { Sequential } from './sequential.js';

export const PRESET_NAMES = ['mlp', 'mlp-small'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * Ready-made architectures for 28×28 digits (input: 784 pixels scaled to [0, 1]).
 * - `mlp`: the seed project's 784-512(ReLU, Dropout .2)-512(ReLU, Dropout .2)-10 softmax.
 * - `mlp-small`: the seed notebook's 784-128-32-10.
 */
export function preset(name: PresetName, classes = 10, inputSize = 784): Sequential {
  switch (name) {
    case 'mlp':
      return new Sequential(
        [
          new Dense(512, { activation: 'relu' }),
          new Dropout(0.2),
          new Dense(512, { activation: 'relu' }),
          new Dropout(0.2),
          new Dense(classes, { activation: 'softmax' }),
        ],
        { inputShape: [inputSize] },
      );
    case 'mlp-small':
      return new Sequential(
        [
          new Dense(128, { activation: 'relu' }),
          new Dense(32, { activation: 'relu' }),
          new Dense(classes, { activation: 'softmax' }),
        ],
        { inputShape: [inputSize] },
      );
  }
}

export function isPresetName(s: string): s is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(s);
}
