import { BatchNormalization } from './layers/batch-norm.js';
import { Conv2D } from './layers/conv2d.js';
import { Dense } from './layers/dense.js';
import { Dropout } from './layers/dropout.js';
import { Flatten } from './layers/flatten.js';
import { MaxPooling2D } from './layers/pooling.js';
import { Sequential } from './sequential.js';

export const PRESET_NAMES = ['mlp', 'mlp-small', 'cnn', 'cnn-best'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * Ready-made architectures for digit images (pixels scaled to [0, 1]); `image` is [height, width] (default
 * MNIST's 28×28).
 * - `mlp`: the seed project's 784-512(ReLU, Dropout .2)-512(ReLU, Dropout .2)-10 softmax.
 * - `mlp-small`: the seed notebook's 784-128-32-10.
 * - `cnn`: Keras's MNIST convnet example: Conv 32 3×3 ReLU, MaxPool 2, Conv 64 3×3 ReLU, MaxPool 2, Flatten,
 *   Dropout .5, Dense softmax (keras.io reports 99.25 % test accuracy after 12–15 epochs).
 * - `cnn-best`: a batch-normalized CNN without pooling, in the style of An et al. 2020 and Deotte's Kaggle
 *   ensemble: two stages of Conv 3×3, Conv 3×3, Conv 5×5 stride 2 (32 then 64 filters, each ReLU → BatchNorm,
 *   Dropout .4 after each stage), Conv 4×4 128, Flatten, Dropout .4, Dense softmax. Meant to be trained with
 *   augmentation and a decaying rate (see the train command's defaults for it); ~99.7 % on MNIST.
 */
export function preset(name: PresetName, classes = 10, image: [number, number] = [28, 28]): Sequential {
  const [h, w] = image;
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
        { inputShape: [h * w] },
      );
    case 'mlp-small':
      return new Sequential(
        [
          new Dense(128, { activation: 'relu' }),
          new Dense(32, { activation: 'relu' }),
          new Dense(classes, { activation: 'softmax' }),
        ],
        { inputShape: [h * w] },
      );
    case 'cnn':
      return new Sequential(
        [
          new Conv2D(32, 3, { activation: 'relu' }),
          new MaxPooling2D(2),
          new Conv2D(64, 3, { activation: 'relu' }),
          new MaxPooling2D(2),
          new Flatten(),
          new Dropout(0.5),
          new Dense(classes, { activation: 'softmax' }),
        ],
        { inputShape: [h, w, 1] },
      );
    case 'cnn-best': {
      const convBn = (filters: number, size: number, strides = 1) => [
        new Conv2D(filters, size, { activation: 'relu', strides, padding: strides > 1 ? 'same' : 'valid' }),
        new BatchNormalization(),
      ];
      return new Sequential(
        [
          ...convBn(32, 3),
          ...convBn(32, 3),
          ...convBn(32, 5, 2),
          new Dropout(0.4),
          ...convBn(64, 3),
          ...convBn(64, 3),
          ...convBn(64, 5, 2),
          new Dropout(0.4),
          ...convBn(128, 4),
          new Flatten(),
          new Dropout(0.4),
          new Dense(classes, { activation: 'softmax' }),
        ],
        { inputShape: [h, w, 1] },
      );
    }
  }
}

export function isPresetName(s: string): s is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(s);
}
