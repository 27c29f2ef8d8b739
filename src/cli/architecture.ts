/**
 * What `--model` names on the training commands: a preset, or a Keras model JSON file (what `model.to_json()`
 * writes) for a network no preset describes. Models come back unbuilt, so the run's seed initialises them.
 */
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';
import { sequentialFromConfig } from '../io/keras-config.js';
import type { Kernels } from '../kernels/index.js';
import { isPresetName, preset, PRESET_NAMES } from '../nn/presets.js';
import type { Sequential } from '../nn/sequential.js';
import { readArchitecture } from './model-input.js';

export const MODEL_OPTION_HELP = `architecture: ${PRESET_NAMES.join(', ')}, or a Keras model JSON file (model.to_json())`;

/** Option parser for --model: a preset name or a path ending in .json. */
export function modelSpec(value: string): string {
  if (isPresetName(value) || value.toLowerCase().endsWith('.json')) return value;
  throw new InvalidArgumentError(`expected one of: ${PRESET_NAMES.join(', ')}, or a .json architecture file`);
}

/** The unbuilt model `spec` names, for images of `image` = [height, width] and `classes` classes. */
export function architectureFor(spec: string, classes: number, image: [number, number]): Sequential {
  if (isPresetName(spec)) return preset(spec, classes, image);
  const model = sequentialFromConfig(JSON.parse(readArchitecture(spec)!), spec);
  if (model.inputSize !== image[0] * image[1])
    throw new UsageError(
      `${spec}: the architecture takes inputs of shape [${model.inputShape.join(', ')}], ` +
        `but the images are ${image[0]}×${image[1]} (${image[0] * image[1]} values)`,
    );
  return model;
}

/** Builds the model `spec` names with the seed's weights, checking that it outputs one value per class. */
export function buildArchitecture(
  spec: string,
  classes: number,
  image: [number, number],
  kernels: Kernels,
  seed: number,
): Sequential {
  const model = architectureFor(spec, classes, image);
  try {
    model.build(kernels, seed);
  } catch (e) {
    throw new UsageError(`${spec}: cannot build the architecture (${(e as Error).message})`);
  }
  if (model.classes !== classes)
    throw new UsageError(
      `${spec}: the architecture outputs ${model.classes} values, but the data has ${classes} classes`,
    );
  return model;
}
