import { ModelFormatError } from '../errors.js';
import { AllocationLimitError } from '../kernels/heap.js';
import type { Kernels } from '../kernels/index.js';
import type { Layer } from '../nn/layer.js';
import { ActivationLayer, type ActivationName } from '../nn/layers/activation.js';
import { Dense } from '../nn/layers/dense.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Flatten } from '../nn/layers/flatten.js';
import { BatchNormalization } from '../nn/layers/batch-norm.js';
import { Conv2D } from '../nn/layers/conv2d.js';
import { GlobalAveragePooling2D } from '../nn/layers/global-average-pooling.js';
import { AveragePooling2D, MaxPooling2D } from '../nn/layers/pooling.js';
import { Reshape } from '../nn/layers/reshape.js';
import { initializerFromKeras, KERNEL_INITIALIZERS, type KernelInitializer } from '../nn/init.js';
import { Sequential } from '../nn/sequential.js';
import type { Shape } from '../nn/tensor.js';

/** Keras's model_config JSON for a Sequential model (tf.keras 2.x layout, also read by Keras 3). */
export function sequentialConfig(model: Sequential): Record<string, unknown> {
  const inputName = `${model.layers[0].name}_input`;
  return {
    class_name: 'Sequential',
    config: {
      name: model.name,
      layers: [
        {
          class_name: 'InputLayer',
          config: {
            batch_input_shape: [null, ...model.inputShape],
            dtype: 'float32',
            sparse: false,
            ragged: false,
            name: inputName,
          },
        },
        ...model.layers.map((l) => ({ class_name: l.className, config: l.config() })),
      ],
    },
  };
}

type Json = Record<string, unknown>;

const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'softmax'];

export interface ConfigOptions {
  /**
   * The model will be trained from the weights its layers draw (an architecture file), so an initializer we
   * cannot draw from is an error; otherwise (a saved model, whose weights are read) it is taken as GlorotUniform.
   */
  initializers?: 'required' | 'ignored';
}

/** Rebuilds an (unbuilt) Sequential model from a Keras model_config; unsupported parts name the layer. */
export function sequentialFromConfig(modelConfig: unknown, file: string, options: ConfigOptions = {}): Sequential {
  const root = modelConfig as Json;
  const fail = (detail: string): never => {
    throw new ModelFormatError(file, detail);
  };
  if (!root || typeof root !== 'object') fail('model_config is not a JSON object');
  const functional = root.class_name === 'Functional' || root.class_name === 'Model';
  if (root.class_name !== 'Sequential' && !functional)
    fail(`model class ${String(root.class_name)} is not supported (Sequential, or a Functional chain)`);
  const cfg = (root.config ?? {}) as Json;
  const rawLayers = (Array.isArray(cfg) ? cfg : cfg.layers) as Json[] | undefined;
  if (!Array.isArray(rawLayers)) fail('model_config has no layer list');
  const layerList = functional ? linearChain(rawLayers!, fail) : rawLayers;
  let inputShape: Shape | null = null;
  const layers: Layer[] = [];
  for (const entry of layerList!) {
    if (!entry || typeof entry !== 'object' || typeof entry.class_name !== 'string') {
      fail(`layer entry ${JSON.stringify(entry)?.slice(0, 80)} has no class_name`);
    }
    const cls = entry.class_name as string;
    const c = (entry.config ?? {}) as Json;
    const name = typeof c.name === 'string' ? c.name : '';
    const where = `layer "${name}" (${cls})`;
    const shape = c.batch_input_shape ?? c.batch_shape;
    if (Array.isArray(shape) && inputShape === null) inputShape = definedShape(shape, where, fail);
    checkDtype(c.dtype, where, fail);
    const kernelInitializer = (): KernelInitializer => {
      const found = initializerFromKeras(c.kernel_initializer);
      const bias = c.bias_initializer as Json | string | undefined | null;
      const biasName = typeof bias === 'string' ? bias : bias?.class_name;
      if (options.initializers === 'required') {
        if (found === null)
          fail(
            `${where}: kernel_initializer ${JSON.stringify(c.kernel_initializer)} is not supported ` +
              `(${KERNEL_INITIALIZERS.join(', ')}, or a VarianceScaling equal to one)`,
          );
        if (c.use_bias !== false && biasName !== undefined && !/^zeros$/i.test(String(biasName)))
          fail(`${where}: bias_initializer ${JSON.stringify(bias)} is not supported (only Zeros)`);
      }
      return found ?? 'glorot_uniform';
    };
    switch (cls) {
      case 'InputLayer':
        break;
      case 'Dense':
        if (!Number.isInteger(c.units) || (c.units as number) < 1)
          fail(`${where}: units must be a positive integer, got ${String(c.units)}`);
        layers.push(
          new Dense(Number(c.units), {
            activation: activation(c.activation, where, fail),
            useBias: c.use_bias !== false,
            kernelInitializer: kernelInitializer(),
            name,
          }),
        );
        break;
      case 'Dropout':
        if (typeof c.rate !== 'number' || !(c.rate >= 0 && c.rate < 1))
          fail(`${where}: rate must be in [0, 1), got ${String(c.rate)}`);
        layers.push(new Dropout(Number(c.rate), { name }));
        break;
      case 'Flatten':
        if (c.data_format && c.data_format !== 'channels_last')
          fail(`${where}: data_format ${String(c.data_format)} is not supported`);
        layers.push(new Flatten({ name }));
        break;
      case 'Activation':
        layers.push(new ActivationLayer(activation(c.activation, where, fail), 'Activation', { name }));
        break;
      case 'ReLU':
        if ((c.max_value ?? null) !== null || Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0) {
          fail(`${where}: only the plain ReLU (no max_value, negative_slope or threshold) is supported`);
        }
        layers.push(new ActivationLayer('relu', 'ReLU', { name }));
        break;
      case 'Softmax':
        if (c.axis !== undefined && c.axis !== -1)
          fail(`${where}: softmax over axis ${String(c.axis)} is not supported`);
        layers.push(new ActivationLayer('softmax', 'Softmax', { name }));
        break;
      case 'Conv2D': {
        if (!Number.isInteger(c.filters) || (c.filters as number) < 1)
          fail(`${where}: filters must be a positive integer, got ${String(c.filters)}`);
        checkChannelsLast(c, where, fail);
        if (c.dilation_rate !== undefined && intPair(c.dilation_rate, 'dilation_rate', where, fail).join() !== '1,1')
          fail(`${where}: dilation_rate ${JSON.stringify(c.dilation_rate)} is not supported`);
        if (c.groups !== undefined && c.groups !== 1)
          fail(`${where}: groups ${JSON.stringify(c.groups)} is not supported`);
        const act = activation(c.activation, where, fail);
        if (act === 'softmax') fail(`${where}: softmax activation on a convolution is not supported`);
        layers.push(
          new Conv2D(Number(c.filters), intPair(c.kernel_size, 'kernel_size', where, fail), {
            strides: intPair(c.strides ?? 1, 'strides', where, fail),
            padding: padding(c.padding, where, fail),
            activation: act as 'linear' | 'relu',
            useBias: c.use_bias !== false,
            kernelInitializer: kernelInitializer(),
            name,
          }),
        );
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        checkChannelsLast(c, where, fail);
        const Pool = cls === 'MaxPooling2D' ? MaxPooling2D : AveragePooling2D;
        layers.push(
          new Pool(intPair(c.pool_size ?? 2, 'pool_size', where, fail), {
            strides: c.strides == null ? undefined : intPair(c.strides, 'strides', where, fail),
            padding: padding(c.padding, where, fail),
            name,
          }),
        );
        break;
      }
      case 'BatchNormalization': {
        const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
        if (axis !== -1 && !(inputShape && axis === inputShape.length))
          fail(`${where}: normalizing over axis ${JSON.stringify(c.axis)} is not supported (only the last axis)`);
        if (c.center === false || c.scale === false) fail(`${where}: center=false / scale=false are not supported`);
        const momentum = c.momentum ?? 0.99;
        const epsilon = c.epsilon ?? 1e-3;
        if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
          fail(`${where}: momentum must be in [0, 1], got ${String(momentum)}`);
        if (typeof epsilon !== 'number' || !(epsilon > 0)) fail(`${where}: epsilon must be positive`);
        layers.push(new BatchNormalization({ momentum: momentum as number, epsilon: epsilon as number, name }));
        break;
      }
      case 'Reshape': {
        const target = c.target_shape;
        if (!Array.isArray(target) || !target.every((d) => d === -1 || (Number.isInteger(d) && d > 0)))
          fail(`${where}: target_shape ${JSON.stringify(target)} is not valid`);
        layers.push(new Reshape(target as number[], { name }));
        break;
      }
      case 'GlobalAveragePooling2D':
        checkChannelsLast(c, where, fail);
        if (c.keepdims === true) fail(`${where}: keepdims=true is not supported`);
        layers.push(new GlobalAveragePooling2D({ name }));
        break;
      default:
        fail(`${where}: layer type ${cls} is not supported`);
    }
  }
  // A model built with model.build(shape) rather than an Input records the shape beside its layers instead.
  const built = cfg.build_input_shape ?? (root.build_config as Json | undefined)?.input_shape;
  if (!inputShape && Array.isArray(built)) inputShape = definedShape(built, 'the model', fail);
  if (!inputShape) fail('model_config does not declare an input shape');
  if (layers.length === 0) fail('model has no layers');
  return new Sequential(layers, {
    inputShape: inputShape!,
    name: typeof cfg.name === 'string' ? cfg.name : 'sequential',
  });
}

/** The layers a layer's first call takes its inputs from (tf.keras 2 and Keras 3 inbound_nodes formats). */
function inboundNames(entry: Json): string[] {
  const nodes = entry.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  const node = nodes[0] as unknown;
  const names: string[] = [];
  // tf.keras 2: [[["prev", 0, 0, {}], …]]
  if (Array.isArray(node)) {
    for (const t of node) if (Array.isArray(t) && typeof t[0] === 'string') names.push(t[0]);
    return names;
  }
  // Keras 3: {"args": [tensor or [tensors]], "kwargs": {}} with tensor.config.keras_history = ["prev", 0, 0]
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const history = ((v as Json).config as Json | undefined)?.keras_history;
      if ((v as Json).class_name === '__keras_tensor__' && Array.isArray(history) && typeof history[0] === 'string')
        names.push(history[0]);
    }
  };
  visit((node as Json).args);
  return names;
}

/**
 * The layers of a Functional model that is a plain chain (input → each layer feeds exactly the next → output),
 * in order; anything with branches or merges is refused, naming the layer.
 */
function linearChain(layers: Json[], fail: (d: string) => never): Json[] {
  const nameOf = (l: Json) => String(l.name ?? (l.config as Json | undefined)?.name ?? '');
  const byName = new Map(layers.map((l) => [nameOf(l), l]));
  const next = new Map<string, string>();
  let input: Json | null = null;
  for (const l of layers) {
    const from = inboundNames(l);
    if (l.class_name === 'InputLayer') {
      if (input) fail('a Functional model with several inputs is not supported');
      input = l;
      continue;
    }
    if (from.length !== 1)
      fail(
        `layer "${nameOf(l)}" (${String(l.class_name)}) takes ${from.length} inputs: only linear Functional models are supported`,
      );
    if (next.has(from[0])) fail(`layer "${from[0]}" feeds several layers: only linear Functional models are supported`);
    if (!byName.has(from[0])) fail(`layer "${nameOf(l)}" takes its input from unknown layer "${from[0]}"`);
    next.set(from[0], nameOf(l));
  }
  if (!input) fail('the Functional model has no InputLayer');
  const chain: Json[] = [input!];
  for (let name = next.get(nameOf(input!)); name !== undefined && chain.length <= layers.length; name = next.get(name))
    chain.push(byName.get(name)!);
  if (chain.length !== layers.length) fail('the Functional model is not one chain from its input to its output');
  return chain;
}

function activation(a: unknown, where: string, fail: (d: string) => never): ActivationName {
  const name = typeof a === 'string' ? a : typeof a === 'object' && a ? String((a as Json).class_name ?? '') : 'linear';
  if (!(ACTIVATIONS as readonly string[]).includes(name))
    fail(`${where}: activation "${name}" is not supported (linear, relu, softmax)`);
  return name as ActivationName;
}

function checkChannelsLast(c: Json, where: string, fail: (d: string) => never): void {
  if (c.data_format && c.data_format !== 'channels_last')
    fail(`${where}: data_format ${String(c.data_format)} is not supported (channels_last only)`);
}

function intPair(v: unknown, key: string, where: string, fail: (d: string) => never): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!p || !p.every((d) => Number.isInteger(d) && d >= 1 && d <= 4096))
    fail(`${where}: ${key} ${JSON.stringify(v)} must be one or two positive integers`);
  return [p![0] as number, p![1] as number];
}

function padding(v: unknown, where: string, fail: (d: string) => never): 'valid' | 'same' {
  const p = v ?? 'valid';
  if (p !== 'valid' && p !== 'same') fail(`${where}: padding ${JSON.stringify(v)} is not supported (valid, same)`);
  return p as 'valid' | 'same';
}

function checkDtype(d: unknown, where: string, fail: (d: string) => never): void {
  if (d === undefined || d === null) return;
  const name = typeof d === 'string' ? d : String(((d as Json).config as Json | undefined)?.name ?? '');
  if (name !== 'float32') fail(`${where}: dtype ${name} is not supported (float32 only)`);
}

/** A [batch, ...dims] shape's dims, which must all be known. */
function definedShape(shape: unknown[], where: string, fail: (detail: string) => never): number[] {
  const dims = shape.slice(1);
  if (!dims.every((d) => Number.isInteger(d) && (d as number) > 0))
    fail(`${where}: input shape ${JSON.stringify(shape)} must be fully defined`);
  return dims as number[];
}

/**
 * Parses a model_config JSON text and builds the model. Its parameters (value + gradient) may not outgrow the
 * `storedWeights` values the file actually holds, so a damaged config cannot make us allocate gigabytes.
 */
export function buildFromConfigJson(text: string, file: string, kernels: Kernels, storedWeights: number): Sequential {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new ModelFormatError(file, 'model_config is not valid JSON');
  }
  const model = sequentialFromConfig(config, file);
  try {
    const slack = 64 * 1024 * (model.layers.length + 1);
    kernels.heap.withLimit(2 * 4 * storedWeights + slack, () => model.build(kernels, 0));
  } catch (e) {
    if (e instanceof AllocationLimitError)
      throw new ModelFormatError(
        file,
        `model_config declares far more parameters than the ${storedWeights} weights stored`,
      );
    throw new ModelFormatError(file, (e as Error).message);
  }
  return model;
}
