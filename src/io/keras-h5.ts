import type * as H5 from 'h5wasm/node';
import { existsSync, statSync } from 'node:fs';
import { hdf5Get, readHdf5Tree, type Hdf5Group, type Hdf5Node } from './hdf5-tree.js';
import { ModelFormatError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';
import { isLossName } from '../nn/losses.js';
import { optimizerFromKeras } from '../nn/optimizers/index.js';
import type { Sequential } from '../nn/sequential.js';
import { writeAtomically } from './atomic.js';
import { buildFromConfigJson, sequentialConfig } from './keras-config.js';
import { readHead } from '../data/sniff.js';

/** Written into model files so reports and `evaluate` know how the model was made. Keras ignores it. */
export interface ModelMetadata {
  /** Pixel scale the model expects (x · scale + shift); 1/255 for everything digits trains. */
  scale: number;
  /** Added after scaling (default 0), e.g. −0.5 for inputs in [−0.5, 0.5]. */
  shift?: number;
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

/** Where a parameter's optimizer slot lives in the file (Keras 2 style). */
function slotPath(optimizer: string, layer: string, param: string, slot: string): string {
  return `${optimizer}/${layer}/${param}/${slot}:0`;
}

function layerOfParam(model: Sequential): Map<unknown, string> {
  const m = new Map<unknown, string>();
  for (const l of model.layers) for (const p of l.params) m.set(p, l.name);
  return m;
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

export interface LoadedModel {
  model: Sequential;
  metadata: ModelMetadata | null;
  /** Root attributes holding JSON that digits wrote (e.g. a checkpoint's state), parsed. */
  attributes: Record<string, unknown>;
}

export interface LoadOptions {
  /** Rebuild the optimizer from training_config, compile, and restore its saved state (checkpoints). */
  withOptimizer?: boolean;
  /** Root attributes to read as JSON. */
  attributes?: string[];
  /** Give up on a file the HDF5 library has not finished reading after this long (default 30 s). */
  timeoutMs?: number;
  /**
   * The architecture (Keras model_config JSON, as `model.to_json()` writes it) for a weights-only file
   * (`save_weights`); its weights are assigned to the layers that have weights, in order, as Keras does.
   */
  architecture?: string;
}

/** Attribute value as a string (HDF5 strings may come back as fixed- or variable-length). */
function attrString(attrs: Record<string, unknown>, name: string): string | null {
  const v = attrs[name];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

function attrStrings(attrs: Record<string, unknown>, name: string): string[] {
  const v = attrs[name];
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
export async function loadKerasH5(file: string, kernels: Kernels, options: LoadOptions = {}): Promise<LoadedModel> {
  if (!existsSync(file)) throw new ModelFormatError(file, 'no such file');
  checkHdf5Superblock(file);
  const root = await readHdf5Tree(file, options.timeoutMs);
  try {
    return readModel(root, file, kernels, options);
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

/** Number of values in all datasets under a group. */
function storedWeightCount(node: Hdf5Node | null): number {
  if (!node) return 0;
  if (node.kind === 'dataset') return node.shape.reduce((a, b) => a * b, 1);
  return Object.values(node.children).reduce((n, c) => n + storedWeightCount(c), 0);
}

function readModel(f: Hdf5Group, file: string, kernels: Kernels, options: LoadOptions): LoadedModel {
  const fileConfig = attrString(f.attrs, 'model_config');
  // A full model keeps its weights in model_weights/, matched to layers by name; a weights-only file keeps
  // them at the root, matched by order to an architecture given separately.
  const weightsOnly = !fileConfig;
  const configText = fileConfig ?? options.architecture;
  if (!configText)
    throw new ModelFormatError(
      file,
      'no model_config attribute: a weights-only file (save_weights) needs an architecture (--arch model.json)',
    );
  const weightsRoot = weightsOnly ? f : hdf5Get(f, 'model_weights');
  if (weightsRoot?.kind !== 'group') throw new ModelFormatError(file, 'no model_weights group');
  const model = buildFromConfigJson(configText, file, kernels, storedWeightCount(weightsRoot));
  const heap = kernels.heap;
  const withWeights = model.layers.filter((l) => l.params.length > 0);
  const storedLayers = attrStrings(weightsRoot.attrs, 'layer_names').filter((name) => {
    const g = hdf5Get(weightsRoot, name);
    return g?.kind === 'group' && attrStrings(g.attrs, 'weight_names').length > 0;
  });
  if (weightsOnly && storedLayers.length !== withWeights.length)
    throw new ModelFormatError(
      file,
      `the file has weights for ${storedLayers.length} layers, the architecture has ${withWeights.length} layers with weights`,
    );
  for (const [index, layer] of withWeights.entries()) {
    const groupName = weightsOnly ? storedLayers[index] : layer.name;
    const g = hdf5Get(weightsRoot, groupName);
    if (g?.kind !== 'group') throw new ModelFormatError(file, `layer "${layer.name}": no weights group`);
    const names = attrStrings(g.attrs, 'weight_names');
    if (names.length !== layer.params.length) {
      throw new ModelFormatError(
        file,
        `layer "${layer.name}": ${names.length} weights stored, ${layer.params.length} expected`,
      );
    }
    layer.params.forEach((p, i) => {
      const ds = hdf5Get(g, names[i]);
      if (ds?.kind !== 'dataset')
        throw new ModelFormatError(file, `layer "${layer.name}": missing dataset ${names[i]}`);
      if (ds.shape.join(',') !== p.shape.join(',')) {
        throw new ModelFormatError(
          file,
          `layer "${layer.name}": ${names[i]} has shape (${ds.shape.join(', ')}), expected (${p.shape.join(', ')})`,
        );
      }
      if (ds.dtype !== '<f' && ds.dtype !== '<d')
        throw new ModelFormatError(file, `layer "${layer.name}": ${names[i]} has dtype ${ds.dtype} (float32 expected)`);
      heap.f32(p.value, p.size).set(ds.value as Float32Array | Float64Array);
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
  const attributes: Record<string, unknown> = {};
  for (const name of options.attributes ?? []) {
    const text = attrString(f.attrs, name);
    if (text === null) continue;
    try {
      attributes[name] = JSON.parse(text);
    } catch {
      throw new ModelFormatError(file, `attribute ${name} is not valid JSON`);
    }
  }
  if (options.withOptimizer) restoreOptimizer(f, file, model);
  return { model, metadata, attributes };
}

/** Compiles the model with the optimizer of training_config and loads its slots from optimizer_weights. */
function restoreOptimizer(f: Hdf5Group, file: string, model: Sequential): void {
  const text = attrString(f.attrs, 'training_config');
  if (!text) throw new ModelFormatError(file, 'no training_config: the file holds no optimizer');
  let tc: { loss?: unknown; optimizer_config?: { class_name?: unknown; config?: Record<string, unknown> } };
  try {
    tc = JSON.parse(text);
  } catch {
    throw new ModelFormatError(file, 'training_config is not valid JSON');
  }
  const oc = tc.optimizer_config;
  let optimizer;
  try {
    optimizer = optimizerFromKeras(String(oc?.class_name), oc?.config ?? {});
  } catch (e) {
    throw new ModelFormatError(file, (e as Error).message);
  }
  const loss = typeof tc.loss === 'string' && isLossName(tc.loss) ? tc.loss : 'categorical_crossentropy';
  model.compile({ optimizer, loss });
  const owners = layerOfParam(model);
  const heap = model.kernels.heap;
  for (const s of optimizer.slots) {
    const path = `optimizer_weights/${slotPath(optimizer.className, owners.get(s.param)!, s.param.name, s.name)}`;
    const ds = hdf5Get(f, path);
    if (ds?.kind !== 'dataset') throw new ModelFormatError(file, `missing optimizer state ${path}`);
    if (ds.shape.join(',') !== s.param.shape.join(',')) throw new ModelFormatError(file, `${path} has the wrong shape`);
    heap.f32(s.ptr, s.param.size).set(ds.value as Float32Array);
  }
}
