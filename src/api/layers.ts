/** Layers for Sequential models, as Keras names them (`digits.layers.Dense`, …), and their initializers. */
export type { Layer, Param } from '../nn/layer.js';
export { ActivationLayer, type ActivationName } from '../nn/layers/activation.js';
export { Dense, type DenseActivation, type DenseOptions } from '../nn/layers/dense.js';
export { Dropout } from '../nn/layers/dropout.js';
export { Flatten } from '../nn/layers/flatten.js';
export { Conv2D, type Conv2DOptions, type Padding } from '../nn/layers/conv2d.js';
export { AveragePooling2D, MaxPooling2D } from '../nn/layers/pooling.js';
export { BatchNormalization, type BatchNormalizationOptions } from '../nn/layers/batch-norm.js';
export { Reshape } from '../nn/layers/reshape.js';
export { GlobalAveragePooling2D } from '../nn/layers/global-average-pooling.js';
export { KERNEL_INITIALIZERS, type KernelInitializer } from '../nn/init.js';
export { LOSS_NAMES, type LossName } from '../nn/losses.js';
export { preset, PRESET_NAMES, type PresetName } from '../nn/presets.js';
export { Rng } from '../nn/rng.js';
export { Sequential, type Objective, type SequentialOptions } from '../nn/sequential.js';
export type { Shape } from '../nn/tensor.js';
