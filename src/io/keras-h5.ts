import type * as H5 from 'h5wasm/node';
import { existsSync, statSync } from 'node:fs';
import { readHdf5Tree } from './hdf5-tree.js';
import { ModelFormatError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { writeAtomically } from './atomic.js';
import { sequentialConfig } from './keras-config.js';
import {
  layerOfParam,
  METADATA_ATTR,
  modelFromHdf5,
  slotPath,
  type LoadedModel,
  type LoadOptions,
  type ModelMetadata,
} from './keras-h5-read.js';

export type { LoadedModel, LoadOptions, ModelMetadata } from './keras-h5-read.js';
import { readHead } from '../data/sniff.js';

/** The Keras version whose legacy HDF5 layout we write (tf.keras 2.x; Keras 3 loads it too). */
export const KERAS_VERSION = '2.15.0';
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

type H5Module = typeof H5;
let loading: Promise<H5Module> | null = null;
/** h5wasm, loaded on first use: its WASM heap is only paid for by processes that read or write models. */
export function h5wasmModule(): Promise<H5Module> {
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

export interface SaveOptions {
  /** Also write the optimizer's state (Keras's optimizer_weights group), as checkpoints need. */
  includeOptimizer?: boolean;
  /** Extra JSON root attributes (e.g. a checkpoint's training state). */
  attributes?: Record<string, unknown>;
}

/**
 * Saves a model in Keras's legacy HDF5 layout (`model.save('x.h5')` of tf.keras 2.x): root attributes
 * keras_version, backend, model_config, training_config; weights at model_weights/<layer>/<layer>/kernel:0
 * with layer_names / weight_names attributes. The write is atomic.
 */
export async function saveKerasH5(
  model: Sequential,
  file: string,
  metadata?: ModelMetadata,
  options: SaveOptions = {},
): Promise<void> {
  const h5wasm = await h5wasmModule();
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
      for (const [name, value] of Object.entries(options.attributes ?? {}))
        f.create_attribute(name, JSON.stringify(value));
      const opt = model.optimizer;
      if (options.includeOptimizer && opt) {
        const owners = layerOfParam(model);
        const og = f.create_group('optimizer_weights');
        const paths = opt.slots.map((s) => slotPath(opt.className, owners.get(s.param)!, s.param.name, s.name));
        if (paths.length) og.create_attribute('weight_names', paths);
        else og.create_attribute('weight_names', new Float64Array(0), [0], '<d');
        opt.slots.forEach((s, i) => {
          const parts = paths[i].split('/');
          let g = og;
          for (const part of parts.slice(0, -1)) g = (g.get(part) as typeof og | null) ?? g.create_group(part);
          g.create_dataset({
            name: parts[parts.length - 1],
            data: heap.f32(s.ptr, s.param.size).slice(),
            shape: [...s.param.shape],
            dtype: '<f',
          });
        });
      }
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

/**
 * Loads a Sequential model saved by digits or by Keras (tf.keras 2.x or Keras 3 legacy HDF5): architecture
 * from model_config, weights by each layer's weight_names. Errors name the file and the layer.
 */
export async function loadKerasH5(file: string, kernels: Kernels, options: LoadOptions = {}): Promise<LoadedModel> {
  if (!existsSync(file)) throw new ModelFormatError(file, 'no such file');
  checkHdf5Superblock(file);
  const root = await readHdf5Tree(file, options.timeoutMs);
  try {
    return modelFromHdf5(root, file, kernels, options);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(file, `corrupt or unreadable HDF5 content (${(e as Error).message})`);
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
