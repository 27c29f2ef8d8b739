import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createKernels, type KernelOptions } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { loadKerasH5, saveKerasH5, type LoadedModel, type ModelMetadata } from './keras-h5.js';

/** Loads a model file (Keras HDF5) onto fresh kernels. */
export async function loadModelFile(file: string, options: KernelOptions = {}): Promise<LoadedModel> {
  const kernels = await createKernels(options);
  try {
    return await loadKerasH5(file, kernels);
  } catch (e) {
    await kernels.dispose();
    throw e;
  }
}

/** Saves a model (Keras HDF5, atomic), creating the directory. */
export async function saveModelFile(model: Sequential, file: string, metadata?: ModelMetadata): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  await saveKerasH5(model, file, metadata);
}
