import type * as H5 from 'h5wasm/node';
import { existsSync, statSync } from 'node:fs';
import { ModelFormatError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { writeAtomically } from './atomic.js';
import { sequentialConfig, sequentialFromConfig } from './keras-config.js';
import { readHead } from '../data/sniff.js';

/** Written into model files so reports and `evaluate` know how the model was made. Keras ignores it. */
export interface ModelMetadata {
  /** Pixel scale the model expects (x · scale); 1/255 for everything digits trains. */
  scale: number;
  /** Per-epoch training history. */
  history?: { epochs: { [metric: string]: number | undefined }[] };
  /** The recipe: preset, epochs, batch size, optimizer, learning rate, seed, data source… */
  recipe?: Record<string, unknown>;
  /** Test-set results at the end of training. */
  evaluation?: { loss: number; accuracy: number; count: number };
  /** digits version that wrote the file. */
  digitsVersion?: string;
  createdAt?: string;
}

/** The Keras version whose legacy HDF5 layout we write (tf.keras 2.x; Keras 3 loads it too). */
export const KERAS_VERSION = '2.15.0';
const METADATA_ATTR = 'digits_metadata';
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

type H5Module = typeof H5;
let loading: Promise<H5Module> | null = null;
/** h5wasm, loaded on first use: its WASM heap is only paid for by processes that read or write models. */
function h5(): Promise<H5Module> {
  loading ??= import('h5wasm/node').then(async (m) => {
    await m.ready;
    return m;
  });
  return loading;
}

/** Keras's training_config for a compiled model. */
function trainingConfig(model: Sequential): Record<string, unknown> | null {
  if (!model.optimizer) return null;
  return {
    loss: model.loss,
    metrics: ['accuracy'],
    weighted_metrics: null,
    loss_weights: null,
    optimizer_config: { class_name: model.optimizer.className, config: model.optimizer.config() },
  };
}

/**
 * Saves a model in Keras's legacy HDF5 layout (`model.save('x.h5')` of tf.keras 2.x): root attributes
 * keras_version, backend, model_config, training_config; weights at model_weights/<layer>/<layer>/kernel:0
 * with layer_names / weight_names attributes. The write is atomic.
 */
export async function saveKerasH5(model: Sequential, file: string, metadata?: ModelMetadata): Promise<void> {
  const h5wasm = await h5();
  const heap = model.kernels.heap;
  writeAtomically(file, (temp) => {
    const f = new h5wasm.File(temp, 'w');
    try {
      f.create_attribute('keras_version', KERAS_VERSION);
      f.create_attribute('backend', 'tensorflow');
      f.create_attribute('model_config', JSON.stringify(sequentialConfig(model)));
      const tc = trainingConfig(model);
      if (tc) f.create_attribute('training_config', JSON.stringify(tc));
      if (metadata) f.create_attribute(METADATA_ATTR, JSON.stringify(metadata));
      const weights = f.create_group('model_weights');
      weights.create_attribute('keras_version', KERAS_VERSION);
      weights.create_attribute('backend', 'tensorflow');
      weights.create_attribute(
        'layer_names',
        model.layers.map((l) => l.name),
      );
      for (const layer of model.layers) {
        const g = weights.create_group(layer.name);
        if (layer.params.length === 0) {
          g.create_attribute('weight_names', new Float64Array(0), [0], '<d');
          continue;
        }
        g.create_attribute(
          'weight_names',
          layer.params.map((p) => `${layer.name}/${p.name}:0`),
        );
        const inner = g.create_group(layer.name);
        for (const p of layer.params) {
          inner.create_dataset({
            name: `${p.name}:0`,
            data: heap.f32(p.value, p.size).slice(),
            shape: [...p.shape],
            dtype: '<f',
          });
        }
      }
    } finally {
      f.close();
    }
  });
}

export interface LoadedModel {
  model: Sequential;
  metadata: ModelMetadata | null;
}

/** Attribute value as a string (HDF5 strings may come back as fixed- or variable-length). */
function attrString(attrs: Record<string, { value: unknown }>, name: string): string | null {
  const v = attrs[name]?.value;
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

function attrStrings(attrs: Record<string, { value: unknown }>, name: string): string[] {
  const v = attrs[name]?.value;
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 0) return [];
  return [String(v)];
}

/**
 * Loads a Sequential model saved by digits or by Keras (tf.keras 2.x or Keras 3 legacy HDF5): architecture
 * from model_config, weights by each layer's weight_names. Errors name the file and the layer.
 */
export async function loadKerasH5(file: string, kernels: Kernels, seed = 0): Promise<LoadedModel> {
  if (!existsSync(file)) throw new ModelFormatError(file, 'no such file');
  checkHdf5Superblock(file);
  const h5wasm = await h5();
  let f: H5.File;
  try {
    f = new h5wasm.File(file, 'r');
  } catch (e) {
    throw new ModelFormatError(file, `cannot open HDF5 file (${(e as Error).message})`);
  }
  try {
    return readModel(h5wasm, f, file, kernels, seed);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(file, `corrupt or unreadable HDF5 content (${(e as Error).message})`);
  } finally {
    f.close();
  }
}

/**
 * Checks the HDF5 signature and that the superblock's end-of-file address fits in the file, so truncated
 * files are reported plainly instead of failing deep inside the HDF5 library.
 */
function checkHdf5Superblock(file: string): void {
  const head = readHead(file, 96);
  if (!HDF5_SIGNATURE.every((b, i) => head[i] === b))
    throw new ModelFormatError(file, 'not an HDF5 model file (bad signature)');
  const version = head[8];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let offsetSize: number;
  let eofAt: number;
  if (version === 0 || version === 1) {
    offsetSize = head[13];
    eofAt = 24 + (version === 1 ? 4 : 0) + 2 * offsetSize;
  } else if (version === 2 || version === 3) {
    offsetSize = head[9];
    eofAt = 12 + 2 * offsetSize;
  } else {
    throw new ModelFormatError(file, `unsupported HDF5 superblock version ${version}`);
  }
  if (offsetSize !== 8 && offsetSize !== 4)
    throw new ModelFormatError(file, `unsupported HDF5 offset size ${offsetSize}`);
  if (head.length < eofAt + offsetSize) throw new ModelFormatError(file, 'truncated HDF5 superblock');
  const eof = offsetSize === 8 ? Number(view.getBigUint64(eofAt, true)) : view.getUint32(eofAt, true);
  const size = statSync(file).size;
  if (eof > size)
    throw new ModelFormatError(file, `truncated HDF5 file: it declares ${eof} bytes, ${size} are present`);
}

function readModel(h5wasm: H5Module, f: H5.File, file: string, kernels: Kernels, seed: number): LoadedModel {
  {
    const configText = attrString(f.attrs, 'model_config');
    if (!configText)
      throw new ModelFormatError(file, 'no model_config attribute: a weights-only file needs an architecture');
    let config: unknown;
    try {
      config = JSON.parse(configText);
    } catch {
      throw new ModelFormatError(file, 'model_config is not valid JSON');
    }
    const model = sequentialFromConfig(config, file);
    try {
      model.build(kernels, seed);
    } catch (e) {
      throw new ModelFormatError(file, (e as Error).message);
    }
    const root = f.get('model_weights');
    if (!(root instanceof h5wasm.Group)) throw new ModelFormatError(file, 'no model_weights group');
    const heap = kernels.heap;
    for (const layer of model.layers) {
      if (layer.params.length === 0) continue;
      const g = f.get(`model_weights/${layer.name}`);
      if (!(g instanceof h5wasm.Group)) throw new ModelFormatError(file, `layer "${layer.name}": no weights group`);
      const names = attrStrings(g.attrs, 'weight_names');
      if (names.length !== layer.params.length) {
        throw new ModelFormatError(
          file,
          `layer "${layer.name}": ${names.length} weights stored, ${layer.params.length} expected`,
        );
      }
      layer.params.forEach((p, i) => {
        const ds = f.get(`model_weights/${layer.name}/${names[i]}`);
        if (!(ds instanceof h5wasm.Dataset))
          throw new ModelFormatError(file, `layer "${layer.name}": missing dataset ${names[i]}`);
        const dset = { shape: ds.shape ?? [], dtype: String(ds.dtype), value: ds.value };
        if (dset.shape.join(',') !== p.shape.join(',')) {
          throw new ModelFormatError(
            file,
            `layer "${layer.name}": ${names[i]} has shape (${dset.shape.join(', ')}), expected (${p.shape.join(', ')})`,
          );
        }
        if (dset.dtype !== '<f' && dset.dtype !== '<d')
          throw new ModelFormatError(
            file,
            `layer "${layer.name}": ${names[i]} has dtype ${dset.dtype} (float32 expected)`,
          );
        heap.f32(p.value, p.size).set(dset.value as Float32Array | Float64Array);
      });
    }
    const metaText = attrString(f.attrs, METADATA_ATTR);
    let metadata: ModelMetadata | null = null;
    if (metaText) {
      try {
        metadata = JSON.parse(metaText) as ModelMetadata;
      } catch {
        metadata = null;
      }
    }
    return { model, metadata };
  }
}
