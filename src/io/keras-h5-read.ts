/**
 * Reading a model out of an HDF5 file's tree: pure, so the same code serves Node (keras-h5.ts) and the browser.
 */
import { ModelFormatError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';
import { isLossName } from '../nn/losses.js';
import { optimizerFromKeras } from '../nn/optimizers/index.js';
import type { Sequential } from '../nn/sequential.js';
import { hdf5Get, type Hdf5Group, type Hdf5Node } from './hdf5-data.js';
import { buildFromConfigJson } from './keras-config.js';

export const METADATA_ATTR = 'digits_metadata';

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

/** What loading a weights-only file (Keras save_weights) without an architecture fails with. */
export const WEIGHTS_ONLY =
  'no model_config attribute: a weights-only file (save_weights) needs an architecture (--arch model.json)';

/** Where a parameter's optimizer slot lives in the file (Keras 2 style). */
export function slotPath(optimizer: string, layer: string, param: string, slot: string): string {
  return `${optimizer}/${layer}/${param}/${slot}:0`;
}

export function layerOfParam(model: Sequential): Map<unknown, string> {
  const m = new Map<unknown, string>();
  for (const l of model.layers) for (const p of l.params) m.set(p, l.name);
  return m;
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

/** Number of values in all datasets under a group. */
function storedWeightCount(node: Hdf5Node | null): number {
  if (!node) return 0;
  if (node.kind === 'dataset') return node.shape.reduce((a, b) => a * b, 1);
  return Object.values(node.children).reduce((n, c) => n + storedWeightCount(c), 0);
}

/**
 * The model in an HDF5 tree (read in Node by hdf5-tree.ts, in a browser from h5wasm's web build): architecture from
 * model_config (or `options.architecture` for a weights-only file), weights by each layer's weight_names. Errors
 * name `file` and the layer.
 */
export function modelFromHdf5(f: Hdf5Group, file: string, kernels: Kernels, options: LoadOptions = {}): LoadedModel {
  const fileConfig = attrString(f.attrs, 'model_config');
  // A full model keeps its weights in model_weights/, matched to layers by name; a weights-only file keeps
  // them at the root, matched by order to an architecture given separately.
  const weightsOnly = !fileConfig;
  const configText = fileConfig ?? options.architecture;
  if (!configText) throw new ModelFormatError(file, WEIGHTS_ONLY);
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
