/**
 * Loading a model in a browser: Keras HDF5 bytes read by h5wasm's web build into the same plain tree the Node
 * reader produces, then built by the same code (keras-h5-read.ts) on WebAssembly kernels (one thread).
 */
import { ModelFormatError } from '../errors.js';
import { readH5wasmGroup } from '../io/hdf5-data.js';
import { modelFromHdf5 } from '../io/keras-h5-read.js';
import { createKernels } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { digitModel, type DigitModel } from './digit-model.js';

/** The shipped default model, next to this module in the package (bundlers copy it as an asset). */
export const DEFAULT_MODEL_URL = new URL('../../models/default.h5', import.meta.url);
/** The shipped segmentation verifier detect() reads lines with. */
export const DEFAULT_VERIFIER_URL = new URL('../../models/verifier.h5', import.meta.url);
/** The shipped digit judge recognize() and detect() tell digits from other things with. */
export const DEFAULT_JUDGE_URL = new URL('../../models/judge.h5', import.meta.url);

type ModelSource = string | URL | Uint8Array | ArrayBuffer | Blob;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
let files = 0;

export interface BrowserLoadOptions {
  /** Keras model_config JSON for a weights-only file. */
  architecture?: string;
  /** Override the input scaling the file records. */
  scale?: number;
  shift?: number;
  /** The segmentation verifier for detect() (URL, bytes or Blob), or false for none. Default: the shipped one. */
  verifier?: ModelSource | false;
  /** The digit judge (URL, bytes or Blob), or false for none. Default: the shipped one. */
  judge?: ModelSource | false;
}

/** The bytes of a model given as bytes, a Blob, or a URL to fetch. */
async function modelBytes(source: ModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  const res = await fetch(source);
  if (!res.ok) throw new ModelFormatError(String(source), `cannot fetch the model (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A network and its metadata from Keras .h5 bytes, on kernels of its own (one thread). */
async function loadNetwork(source: ModelSource, architecture?: string) {
  const name = typeof source === 'string' || source instanceof URL ? String(source) : 'model bytes';
  const bytes = await modelBytes(source);
  if (!HDF5_SIGNATURE.every((b, i) => bytes[i] === b))
    throw new ModelFormatError(name, 'not a Keras HDF5 (.h5) model file (bad signature)');
  const h5 = await import('h5wasm');
  await h5.ready;
  const path = `/digits-model-${files++}.h5`;
  h5.FS!.writeFile(path, bytes);
  let tree;
  try {
    const f = new h5.File(path, 'r');
    try {
      tree = readH5wasmGroup(h5, f);
    } finally {
      f.close();
    }
  } catch (e) {
    throw new ModelFormatError(name, `corrupt or unreadable HDF5 content (${(e as Error).message})`);
  } finally {
    h5.FS!.unlink(path);
  }
  const kernels = await createKernels({ threads: 1, native: false });
  try {
    return modelFromHdf5(tree, name, kernels, { architecture });
  } catch (e) {
    await kernels.dispose();
    throw e;
  }
}

/**
 * Loads a Keras .h5 model in the browser: with no source, the shipped default model; otherwise its URL, bytes or a
 * Blob (a file the user picked). Also loads the segmentation verifier and the digit judge (options.verifier, options.judge). Throws
 * ModelFormatError naming the source when it is not a usable model.
 */
export async function loadModel(
  source: ModelSource = DEFAULT_MODEL_URL,
  options: BrowserLoadOptions = {},
): Promise<DigitModel> {
  const { model, metadata } = await loadNetwork(source, options.architecture);
  let verifier: Sequential | undefined;
  let judge: Sequential | undefined;
  try {
    if (options.verifier !== false) verifier = (await loadNetwork(options.verifier ?? DEFAULT_VERIFIER_URL)).model;
    if (options.judge !== false) judge = (await loadNetwork(options.judge ?? DEFAULT_JUDGE_URL)).model;
  } catch (e) {
    await model.kernels.dispose();
    await verifier?.kernels.dispose();
    throw e;
  }
  return digitModel(model, metadata, { verifier, judge }, options);
}
