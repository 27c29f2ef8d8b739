/**
 * Loading the model behind `recognize()` and `detect()` in Node: a network plus the pixel scaling it was trained
 * with, from the package's shipped model, a file, or the bytes of one (model-browser.ts does this in a browser).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFormatError } from '../errors.js';
import { loadModelFile } from '../io/model-file.js';
import type { KernelOptions } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { digitModel, type DigitModel } from './digit-model.js';

export type { DigitModel } from './digit-model.js';

/** The shipped default model (trained by `npm run train:default`; see models/default.recipe.json). */
export const DEFAULT_MODEL_FILE = fileURLToPath(new URL('../../models/default.h5', import.meta.url));

/** The shipped segmentation verifier detect() reads lines with (trained by `npm run train:verifier`). */
export const DEFAULT_VERIFIER_FILE = fileURLToPath(new URL('../../models/verifier.h5', import.meta.url));

/** The shipped digit judge recognize() and detect() tell digits from other things with (`npm run train:judge`). */
export const DEFAULT_JUDGE_FILE = fileURLToPath(new URL('../../models/judge.h5', import.meta.url));

export interface LoadModelOptions extends KernelOptions {
  /**
   * The segmentation verifier for detect(): a file, or false for none (detect() then reads by rules). Default:
   * the shipped one. It judges candidates, not digits, so it serves any digit model.
   */
  verifier?: string | false;
  /**
   * The digit judge (DigitModel.judge): a file, or false for none. Default: the shipped one. Like the verifier,
   * it serves any digit model.
   */
  judge?: string | false;
  /** Keras model_config JSON for a weights-only file (see `LoadOptions.architecture`). */
  architecture?: string;
  /** Override the input scaling the file records (for models from elsewhere that expect e.g. x/255 − 0.5). */
  scale?: number;
  shift?: number;
}

/**
 * Loads a model for `recognize()` / `detect()`: with no source, the shipped default model; otherwise a file path
 * (Keras .h5 or .keras) or its bytes. Throws ModelFormatError naming the file when it is not a usable model.
 */
export async function loadModel(
  source: string | Uint8Array | ArrayBuffer = DEFAULT_MODEL_FILE,
  options: LoadModelOptions = {},
): Promise<DigitModel> {
  if (typeof source === 'string') return fromFile(source, options);
  // The HDF5 reader works on files, so bytes go through a private temporary one.
  const dir = mkdtempSync(join(tmpdir(), 'digits-model-'));
  try {
    const file = join(dir, 'model');
    writeFileSync(file, source instanceof Uint8Array ? source : new Uint8Array(source));
    return await fromFile(file, options, 'model bytes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fromFile(file: string, options: LoadModelOptions, name = file): Promise<DigitModel> {
  if (file === DEFAULT_MODEL_FILE && !existsSync(file))
    throw new ModelFormatError(file, 'the shipped default model is missing from this installation');
  let loaded;
  try {
    loaded = await loadModelFile(file, options);
  } catch (e) {
    // Errors name the temporary file for bytes; say what the caller gave instead.
    if (e instanceof ModelFormatError && name !== file) throw new ModelFormatError(name, e.detail);
    throw e;
  }
  const { model, metadata } = loaded;
  // Helpers run on kernels like the model's (not its architecture or scaling: their files have their own).
  const { backend, relaxedSimd, threads, native } = options;
  const helper = async (chosen: string | false | undefined, shipped: string) => {
    const f = chosen ?? shipped;
    if (f === false || (f === shipped && !existsSync(f))) return undefined;
    return (await loadModelFile(f, { backend, relaxedSimd, threads, native })).model;
  };
  let verifier: Sequential | undefined;
  let judge: Sequential | undefined;
  try {
    verifier = await helper(options.verifier, DEFAULT_VERIFIER_FILE);
    judge = await helper(options.judge, DEFAULT_JUDGE_FILE);
  } catch (e) {
    await model.kernels.dispose();
    await verifier?.kernels.dispose();
    throw e;
  }
  return digitModel(model, metadata, { verifier, judge }, options);
}
