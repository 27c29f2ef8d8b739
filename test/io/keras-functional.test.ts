import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { sequentialFromConfig } from '../../src/io/keras-config.js';
import { loadKerasH5 } from '../../src/io/keras-h5.js';
import { createKernels } from '../../src/kernels/index.js';
import { evaluate } from '../../src/train/evaluate.js';
import { fixture, hasShared } from '../helpers/fixtures.js';

/** The real Keras files and photos of ../shared/fixtures (skipped, saying so, where they are missing). */
const KERAS = hasShared('fixtures', 'keras');

type Json = Record<string, unknown>;

const dense = (name: string, units: number, activation: string) => ({ name, units, activation });

/** ayush_ann's architecture as a tf.keras 2 Functional config (inbound_nodes as nested lists). */
function keras2Functional(order: string[] = ['d1', 'd2', 'd3']): Json {
  const configs: Record<string, Json> = {
    d1: dense('d1', 64, 'relu'),
    d2: dense('d2', 64, 'relu'),
    d3: dense('d3', 10, 'softmax'),
  };
  const from: Record<string, string> = { d1: 'in', d2: 'd1', d3: 'd2' };
  return {
    class_name: 'Functional',
    config: {
      name: 'model',
      layers: [
        {
          class_name: 'InputLayer',
          name: 'in',
          config: { batch_input_shape: [null, 784], name: 'in' },
          inbound_nodes: [],
        },
        ...order.map((n) => ({
          class_name: 'Dense',
          name: n,
          config: configs[n],
          inbound_nodes: [[[from[n], 0, 0, {}]]],
        })),
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [['d3', 0, 0]],
    },
  };
}

/** The same in Keras 3's format (inbound_nodes with __keras_tensor__ args). */
function keras3Functional(): Json {
  const tensor = (from: string) => ({
    class_name: '__keras_tensor__',
    config: { shape: [null, 64], dtype: 'float32', keras_history: [from, 0, 0] },
  });
  const layer = (name: string, units: number, activation: string, from: string) => ({
    module: 'keras.layers',
    class_name: 'Dense',
    config: dense(name, units, activation),
    name,
    inbound_nodes: [{ args: [tensor(from)], kwargs: {} }],
  });
  return {
    module: 'keras',
    class_name: 'Functional',
    config: {
      name: 'functional',
      layers: [
        {
          module: 'keras.layers',
          class_name: 'InputLayer',
          name: 'input_layer',
          config: { batch_shape: [null, 784], name: 'input_layer' },
          inbound_nodes: [],
        },
        layer('dense', 64, 'relu', 'input_layer'),
        layer('dense_1', 64, 'relu', 'dense'),
        layer('dense_2', 10, 'softmax', 'dense_1'),
      ],
      input_layers: [['input_layer', 0, 0]],
      output_layers: [['dense_2', 0, 0]],
    },
  };
}

describe('linear Functional models', () => {
  it('are read in chain order from both the tf.keras 2 and the Keras 3 formats', () => {
    // Listed out of order: the chain is followed through inbound_nodes.
    const m2 = sequentialFromConfig(keras2Functional(['d2', 'd3', 'd1']), 'f.json');
    expect(m2.layers.map((l) => l.name)).toEqual(['d1', 'd2', 'd3']);
    expect(m2.inputShape).toEqual([784]);
    const m3 = sequentialFromConfig(keras3Functional(), 'f.json');
    expect(m3.layers.map((l) => l.name)).toEqual(['dense', 'dense_1', 'dense_2']);
  });

  it.skipIf(!KERAS)('work as the architecture of a weights-only file (ayush_ann: 97.18 %)', async () => {
    const { model } = await loadKerasH5(fixture('keras/ayush_ann.h5'), await createKernels({ threads: 1 }), {
      architecture: JSON.stringify(keras3Functional()),
    });
    expect(evaluate(model, loadMnist().test!, { scale: 1 / 255, shift: -0.5 }).accuracy).toBeCloseTo(0.9718, 4);
    await model.kernels.dispose();
  });

  it('branches and merges are refused, naming the layer', () => {
    const branched = keras2Functional();
    const layers = (branched.config as { layers: Json[] }).layers;
    layers.push({
      class_name: 'Dense',
      name: 'side',
      config: dense('side', 10, 'relu'),
      inbound_nodes: [[['d1', 0, 0, {}]]],
    });
    expect(() => sequentialFromConfig(branched, 'f.json')).toThrow(/layer "d1" feeds several layers/);
    const merged = keras2Functional();
    const l = (merged.config as { layers: Json[] }).layers;
    l[3].inbound_nodes = [
      [
        ['d2', 0, 0, {}],
        ['d1', 0, 0, {}],
      ],
    ];
    expect(() => sequentialFromConfig(merged, 'f.json')).toThrow(/layer "d3" \(Dense\) takes 2 inputs/);
  });
});

describe('input shape of a model built with model.build(shape)', () => {
  const layers = [{ class_name: 'Dense', config: dense('out', 10, 'softmax') }];
  it("reads tf.keras 2's build_input_shape and Keras 3's build_config", () => {
    const k2 = { class_name: 'Sequential', config: { name: 's', layers, build_input_shape: [null, 28, 28, 1] } };
    expect(sequentialFromConfig(k2, 'a.json').inputShape).toEqual([28, 28, 1]);
    const k3 = {
      class_name: 'Sequential',
      config: { name: 's', layers },
      build_config: { input_shape: [null, 784] },
    };
    expect(sequentialFromConfig(k3, 'b.json').inputShape).toEqual([784]);
  });

  it('still needs a fully known shape from somewhere', () => {
    const none = { class_name: 'Sequential', config: { layers } };
    expect(() => sequentialFromConfig(none, 'c.json')).toThrow(/c\.json: model_config does not declare an input shape/);
    const open = { class_name: 'Sequential', config: { layers, build_input_shape: [null, null, 28, 1] } };
    expect(() => sequentialFromConfig(open, 'd.json')).toThrow(/the model: input shape \[null,null,28,1\] must be/);
  });
});
