import { mkdirSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { readHead } from '../data/sniff.js';
import { ModelFormatError } from '../errors.js';
import { createKernels, type KernelOptions, type Kernels } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { isZipFile, loadKerasArchive, saveKerasArchive } from './keras-archive.js';
import { loadKerasH5, saveKerasH5, type LoadedModel, type ModelMetadata } from './keras-h5.js';

/**
 * Loads a model file onto fresh kernels: Keras HDF5 (`.h5`, tf.keras 2.x or Keras 3 legacy) or a Keras 3 `.keras`
 * archive, told apart by content.
 */
export async function loadModelFile(
  file: string,
  options: KernelOptions & { architecture?: string } = {},
): Promise<LoadedModel> {
  const head = checkReadable(file); // before the engine starts: a missing file needs none
  const kernels = await createKernels(options);
  try {
    return await loadWithHead(file, head, kernels, options.architecture);
  } catch (e) {
    await kernels.dispose();
    throw e;
  }
}

/** Loads a model file (as `loadModelFile`) onto kernels the caller owns, e.g. to train it further. */
export async function loadModelInto(file: string, kernels: Kernels, architecture?: string): Promise<LoadedModel> {
  return loadWithHead(file, checkReadable(file), kernels, architecture);
}

/** A .keras archive or an HDF5 file, told apart by its first bytes. */
function loadWithHead(file: string, head: Uint8Array, kernels: Kernels, architecture?: string): Promise<LoadedModel> {
  return isZipFile(head) ? loadKerasArchive(file, kernels) : loadKerasH5(file, kernels, { architecture });
}

/** The file's first bytes; a missing or unreadable file is a ModelFormatError naming it. */
function checkReadable(file: string): Uint8Array {
  try {
    return readHead(file, 8);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFormatError(file, code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? e})`);
  }
}

/** Saves a model atomically, creating the directory: a `.keras` archive if the name ends so, else Keras HDF5. */
export async function saveModelFile(model: Sequential, file: string, metadata?: ModelMetadata): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  if (extname(file).toLowerCase() === '.keras') await saveKerasArchive(model, file, metadata);
  else await saveKerasH5(model, file, metadata);
}
