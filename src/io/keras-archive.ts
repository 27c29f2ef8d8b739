/**
 * Keras 3's native `.keras` format: a zip of config.json (the model serialised with module/class_name/config
 * entries), metadata.json ({keras_version, date_saved}) and model.weights.h5, where each layer's variables are
 * datasets layers/<snake_case class name, numbered per class>/vars/0, 1, … in the layer's weight order, and the
 * vars group carries the layer's name.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { ModelFormatError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';
import { kerasSnakeCase } from '../nn/naming.js';
import type { Sequential } from '../nn/sequential.js';
import { writeFileAtomically } from './atomic.js';
import { hdf5Get, readHdf5Tree, type Hdf5Group, type Hdf5Node } from './hdf5-tree.js';
import { buildFromConfigJson } from './keras-config.js';
import { h5wasmModule, type LoadedModel, type ModelMetadata } from './keras-h5.js';

/** The Keras 3 version whose `.keras` layout we write. */
export const KERAS3_VERSION = '3.13.2';
const MEMBERS = ['config.json', 'metadata.json', 'model.weights.h5'];
/** A member larger than this is refused before it is inflated (models here are a few MB). */
const MAX_MEMBER_BYTES = 1 << 30;

type Json = Record<string, unknown>;

export function isZipFile(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

const dtypePolicy = () => ({
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
});

/** A layer config of ours (tf.keras 2 style) in Keras 3's serialisation (as Keras 3.13's get_config writes it). */
function keras3LayerConfig(className: string, config: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(config)) {
    // Keras 3's Dense records no activity_regularizer and adds quantization_config.
    if (className === 'Dense' && key === 'activity_regularizer') continue;
    if (key === 'dtype') out.dtype = dtypePolicy();
    else if (key.endsWith('_initializer') && value && typeof value === 'object')
      out[key] = { module: 'keras.initializers', ...(value as Json), registered_name: null };
    else out[key] = value;
  }
  if (className === 'Dense') out.quantization_config = null;
  return out;
}

/** Optimizer arguments Keras 3's optimizers accept (ours also records tf.keras 2 ones such as `decay`). */
const KERAS3_OPTIMIZER_KEYS = new Set([
  'name',
  'learning_rate',
  'weight_decay',
  'clipnorm',
  'global_clipnorm',
  'clipvalue',
  'beta_1',
  'beta_2',
  'epsilon',
  'amsgrad',
  'rho',
  'momentum',
  'nesterov',
  'centered',
  'use_ema',
  'ema_momentum',
  'ema_overwrite_frequency',
]);

/** config.json of a model: what `keras.saving.serialize_keras_object(model)` writes for a Sequential. */
export function keras3ModelConfig(model: Sequential): Json {
  const batchInput = [null, ...model.inputShape];
  let shape: (number | null)[] = batchInput;
  const layers: Json[] = [
    {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: {
        batch_shape: batchInput,
        dtype: 'float32',
        sparse: false,
        ragged: false,
        name: 'input_layer',
        optional: false,
      },
      registered_name: null,
    },
  ];
  for (const layer of model.layers) {
    const entry: Json = {
      module: 'keras.layers',
      class_name: layer.className,
      config: keras3LayerConfig(layer.className, layer.config()),
      registered_name: null,
    };
    if (layer.params.length > 0 || layer.className === 'Flatten') entry.build_config = { input_shape: shape };
    layers.push(entry);
    shape = [null, ...layer.outputShape];
  }
  const config: Json = {
    module: 'keras',
    class_name: 'Sequential',
    config: { name: model.name, trainable: true, dtype: dtypePolicy(), layers, build_input_shape: batchInput },
    registered_name: null,
    build_config: { input_shape: batchInput },
  };
  const opt = model.optimizer;
  if (opt) {
    const oc = Object.fromEntries(Object.entries(opt.config()).filter(([k]) => KERAS3_OPTIMIZER_KEYS.has(k)));
    config.compile_config = {
      optimizer: {
        module: 'keras.optimizers',
        class_name: opt.className,
        config: {
          ...oc,
          name: opt.className.toLowerCase(),
          // Keras 3's optimizer base arguments, at their defaults.
          use_ema: false,
          ema_momentum: 0.99,
          ema_overwrite_frequency: null,
          loss_scale_factor: null,
          gradient_accumulation_steps: null,
        },
        registered_name: null,
      },
      loss: model.loss,
      loss_weights: null,
      metrics: ['accuracy'],
      weighted_metrics: null,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: false,
    };
  }
  return config;
}

/** The weights-file key of each layer: snake_case class name, with _1, _2… for repeats (Keras's tracking names). */
function archiveKeys(model: Sequential): string[] {
  const seen = new Map<string, number>();
  return model.layers.map((l) => {
    const base = kerasSnakeCase(l.className);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  });
}

/** Writes a `.keras` archive (atomic). digits' own metadata rides along in metadata.json under "digits". */
export async function saveKerasArchive(model: Sequential, file: string, metadata?: ModelMetadata): Promise<void> {
  const h5wasm = await h5wasmModule();
  const heap = model.kernels.heap;
  const dir = mkdtempSync(join(tmpdir(), 'digits-keras-'));
  try {
    const weightsFile = join(dir, 'model.weights.h5');
    const f = new h5wasm.File(weightsFile, 'w');
    try {
      const keys = archiveKeys(model);
      const layersGroup = f.create_group('layers');
      model.layers.forEach((layer, i) => {
        const vars = layersGroup.create_group(keys[i]).create_group('vars');
        vars.create_attribute('name', layer.name);
        layer.params.forEach((p, j) => {
          vars.create_dataset({
            name: String(j),
            data: heap.f32(p.value, p.size).slice(),
            shape: [...p.shape],
            dtype: '<f',
          });
        });
      });
      f.create_group('vars').create_attribute('name', model.name);
    } finally {
      f.close();
    }
    const now = new Date();
    const stamp = `${now.toISOString().slice(0, 10)}@${now.toISOString().slice(11, 19)}`;
    const meta = { keras_version: KERAS3_VERSION, date_saved: stamp, ...(metadata ? { digits: metadata } : {}) };
    const zip = zipSync(
      {
        'metadata.json': new TextEncoder().encode(JSON.stringify(meta)),
        'config.json': new TextEncoder().encode(JSON.stringify(keras3ModelConfig(model))),
        'model.weights.h5': readFileSync(weightsFile),
      },
      { level: 0 },
    );
    writeFileAtomically(file, zip);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The archive's members, each checked against a size limit before it is inflated. */
function readMembers(file: string): Record<string, Uint8Array> {
  const bytes = readFileSync(file);
  if (!isZipFile(bytes)) throw new ModelFormatError(file, 'not a .keras archive (no zip signature)');
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (m) => {
        if (!MEMBERS.includes(m.name)) return false;
        if (m.originalSize > MAX_MEMBER_BYTES)
          throw new ModelFormatError(file, `${m.name} declares ${m.originalSize} bytes uncompressed`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(file, `corrupt zip archive (${(e as Error).message})`);
  }
  for (const name of ['config.json', 'model.weights.h5'])
    if (!members[name]) throw new ModelFormatError(file, `the archive has no ${name}`);
  return members;
}

function countValues(node: Hdf5Node | null): number {
  if (!node) return 0;
  if (node.kind === 'dataset') return node.shape.reduce((a, b) => a * b, 1);
  return Object.values(node.children).reduce((n, c) => n + countValues(c), 0);
}

/** Loads a `.keras` archive written by Keras 3 (or by digits). Errors name the file and the layer. */
export async function loadKerasArchive(file: string, kernels: Kernels): Promise<LoadedModel> {
  statSync(file); // a missing file fails here, before anything is read
  const members = readMembers(file);
  const dir = mkdtempSync(join(tmpdir(), 'digits-keras-'));
  let root: Hdf5Group;
  try {
    const weightsFile = join(dir, 'model.weights.h5');
    writeFileSync(weightsFile, members['model.weights.h5']);
    root = await readHdf5Tree(weightsFile);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelFormatError(file, `model.weights.h5: ${e.detail}`);
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const configText = new TextDecoder().decode(members['config.json']);
  const model = buildFromConfigJson(configText, file, kernels, countValues(hdf5Get(root, 'layers')));
  // Layers are found by the name their vars group records, else by their tracking key.
  const byName = new Map<string, Hdf5Group>();
  const layersGroup = hdf5Get(root, 'layers');
  if (layersGroup?.kind === 'group') {
    for (const child of Object.values(layersGroup.children)) {
      const vars = hdf5Get(child as Hdf5Group, 'vars');
      if (vars?.kind === 'group' && typeof vars.attrs.name === 'string') byName.set(vars.attrs.name, vars);
    }
  }
  const keys = archiveKeys(model);
  const heap = kernels.heap;
  model.layers.forEach((layer, i) => {
    if (layer.params.length === 0) return;
    const byKey = hdf5Get(root, `layers/${keys[i]}/vars`);
    const vars = byName.get(layer.name) ?? (byKey?.kind === 'group' ? byKey : null);
    if (!vars) throw new ModelFormatError(file, `layer "${layer.name}": no weights in model.weights.h5`);
    layer.params.forEach((p, j) => {
      const ds = vars.children[String(j)];
      if (ds?.kind !== 'dataset') throw new ModelFormatError(file, `layer "${layer.name}": missing variable ${j}`);
      if (ds.shape.join(',') !== p.shape.join(','))
        throw new ModelFormatError(
          file,
          `layer "${layer.name}": variable ${j} has shape (${ds.shape.join(', ')}), expected (${p.shape.join(', ')})`,
        );
      if (ds.dtype !== '<f' && ds.dtype !== '<d')
        throw new ModelFormatError(
          file,
          `layer "${layer.name}": variable ${j} has dtype ${ds.dtype} (float32 expected)`,
        );
      heap.f32(p.value, p.size).set(ds.value as Float32Array | Float64Array);
    });
  });
  let metadata: ModelMetadata | null = null;
  if (members['metadata.json']) {
    try {
      const meta = JSON.parse(new TextDecoder().decode(members['metadata.json'])) as { digits?: ModelMetadata };
      metadata = meta.digits ?? null;
    } catch {
      metadata = null;
    }
  }
  return { model, metadata, attributes: {} };
}
