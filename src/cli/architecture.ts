/**
 * What `--model` names on the training commands: a preset; a Keras model JSON file (what `model.to_json()`
 * writes) for a network no preset describes; or a saved model (`.h5`, `.keras`) whose weights the run starts
 * from, to fine-tune it on other data or train a Keras model further.
 */
import { InvalidArgumentError } from 'commander';
import { ModelFormatError, UsageError } from '../errors.js';
import { sequentialFromConfig } from '../io/keras-config.js';
import { WEIGHTS_ONLY } from '../io/keras-h5-read.js';
import { loadModelInto } from '../io/model-file.js';
import type { Kernels } from '../kernels/index.js';
import { isPresetName, preset, PRESET_NAMES } from '../nn/presets.js';
import type { Sequential } from '../nn/sequential.js';
import { DEFAULT_SCALE } from '../train/evaluate.js';
import { readArchitecture } from './model-input.js';

export const MODEL_OPTION_HELP =
  `architecture: ${PRESET_NAMES.join(', ')}; a Keras model JSON file (model.to_json()); ` +
  'or a model file (.h5, .keras) to start from its weights';

const isJson = (spec: string) => spec.toLowerCase().endsWith('.json');
const isModelFile = (spec: string) => /\.(h5|hdf5|keras)$/i.test(spec);

/** Option parser for --model: a preset name, or a path ending in .json, .h5, .hdf5 or .keras. */
export function modelSpec(value: string): string {
  if (isPresetName(value) || isJson(value) || isModelFile(value)) return value;
  throw new InvalidArgumentError(
    `expected one of: ${PRESET_NAMES.join(', ')}, or a .json architecture or .h5/.keras model file`,
  );
}

/**
 * The model `spec` names, on `kernels` and ready to compile: a preset or JSON architecture with weights drawn
 * from `seed`, or a saved model with its own. It must take images of `image` = [height, width] and output one
 * value per class.
 */
export async function modelForTraining(
  spec: string,
  classes: number,
  image: [number, number],
  kernels: Kernels,
  seed: number,
): Promise<Sequential> {
  if (isPresetName(spec)) return preset(spec, classes, image).build(kernels, seed);
  let model: Sequential;
  if (isJson(spec)) {
    model = sequentialFromConfig(JSON.parse(readArchitecture(spec)!), spec, { initializers: 'required' });
    try {
      model.build(kernels, seed);
    } catch (e) {
      throw new UsageError(`${spec}: cannot build the architecture (${(e as Error).message})`);
    }
  } else {
    const loaded = await loadModelInto(spec, kernels).catch((e: unknown) => {
      if (e instanceof ModelFormatError && e.detail === WEIGHTS_ONLY)
        throw new UsageError(
          `${spec}: a weights-only file (save_weights); join it to its architecture first: ` +
            `digits export --model ${spec} --arch ARCH.json --h5 FULL.h5`,
        );
      throw e;
    });
    model = loaded.model;
    // Training feeds pixels / 255; a model that expects other inputs would start from the wrong place.
    const { scale, shift } = loaded.metadata ?? { scale: DEFAULT_SCALE };
    if (scale !== DEFAULT_SCALE || (shift ?? 0) !== 0)
      throw new UsageError(
        `${spec}: the model expects pixels × ${scale} + ${shift ?? 0}, but training feeds pixels / 255`,
      );
  }
  const what = isJson(spec) ? 'the architecture' : 'the model';
  const [h, w] = image;
  if (model.inputSize !== h * w)
    throw new UsageError(
      `${spec}: ${what} takes inputs of shape [${model.inputShape.join(', ')}], ` +
        `but the images are ${h}×${w} (${h * w} values)`,
    );
  if (model.classes !== classes)
    throw new UsageError(`${spec}: ${what} outputs ${model.classes} values, but the data has ${classes} classes`);
  return model;
}
