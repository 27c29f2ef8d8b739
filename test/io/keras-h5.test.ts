import h5wasm from 'h5wasm/node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { ModelFormatError } from '../../src/errors.js';
import { loadKerasH5, saveKerasH5 } from '../../src/io/keras-h5.js';
import { createKernels } from '../../src/kernels/index.js';
import { Adam } from '../../src/nn/optimizers/index.js';
import { preset } from '../../src/nn/presets.js';
import { evaluate, predict } from '../../src/train/evaluate.js';
import { fixture, hasShared } from '../helpers/fixtures.js';

/** The real Keras files and photos of ../shared/fixtures (skipped, saying so, where they are missing). */
const KERAS = hasShared('fixtures', 'keras');
import { tempDir } from '../helpers/formats.js';

interface Layout {
  rootAttrs: string[];
  weightsAttrs: string[];
  layers: { name: string; weightNames: string[]; datasets: { path: string; shape: number[]; dtype: string }[] }[];
  config: { class_name: string; layers: { class_name: string; keys: string[] }[] };
}

/** The structure of a Keras HDF5 model file: attribute names, layer groups, weight paths, config keys. */
function layout(file: string): Layout {
  const f = new h5wasm.File(file, 'r');
  try {
    const weights = f.get('model_weights') as InstanceType<typeof h5wasm.Group>;
    const layerNames = weights.attrs.layer_names.value as string[];
    const config = JSON.parse(f.attrs.model_config.value as string);
    return {
      rootAttrs: Object.keys(f.attrs).sort(),
      weightsAttrs: Object.keys(weights.attrs).sort(),
      layers: layerNames.map((name) => {
        const g = f.get(`model_weights/${name}`) as InstanceType<typeof h5wasm.Group>;
        const wn = g.attrs.weight_names.value;
        const weightNames = Array.isArray(wn) ? (wn as string[]) : [];
        return {
          name,
          weightNames,
          datasets: weightNames.map((w) => {
            const d = f.get(`model_weights/${name}/${w}`) as InstanceType<typeof h5wasm.Dataset>;
            return { path: w, shape: d.shape ?? [], dtype: String(d.dtype) };
          }),
        };
      }),
      config: {
        class_name: config.class_name,
        layers: config.config.layers.map((l: { class_name: string; config: object }) => ({
          class_name: l.class_name,
          keys: Object.keys(l.config).sort(),
        })),
      },
    };
  } finally {
    f.close();
  }
}

describe('Keras HDF5 model files', () => {
  const dir = tempDir();
  const mnist = loadMnist();
  beforeAll(async () => {
    await h5wasm.ready;
  });

  it('round-trips a model bit-exactly, with metadata', async () => {
    const k = await createKernels();
    const m = preset('mlp').build(k, 3).compile({ optimizer: new Adam() });
    const file = join(dir, 'rt.h5');
    await saveKerasH5(m, file, { scale: 1 / 255, evaluation: { loss: 1, accuracy: 0.5, count: 3 } });
    const { model, metadata } = await loadKerasH5(file, await createKernels());
    expect(model.layers.map((l) => `${l.name}:${l.className}`)).toEqual(
      m.layers.map((l) => `${l.name}:${l.className}`),
    );
    m.params.forEach((p, i) => {
      const q = model.params[i];
      expect(q.shape).toEqual(p.shape);
      expect(model.kernels.heap.f32(q.value, q.size)).toEqual(k.heap.f32(p.value, p.size));
    });
    expect(metadata?.evaluation?.accuracy).toBe(0.5);
    expect(model.summary()).toBe(m.summary());
  });

  for (const name of ['cnn', 'cnn-best'] as const) {
    it(`round-trips the ${name} preset after training steps: same weights, moving statistics and predictions`, async () => {
      const k = await createKernels({ threads: 1 });
      const m = preset(name).build(k, 5).compile({ optimizer: new Adam() });
      m.plan(16, true);
      const images = m.stage(mnist.train!.images.subarray(0, 16 * 784));
      const labels = m.stage(mnist.train!.labels!.subarray(0, 16));
      const idx = k.heap.alloc(16 * 4);
      k.heap.i32(idx, 16).set(Array.from({ length: 16 }, (_, i) => i));
      m.loadBatch(images, labels, idx, 16, 1 / 255);
      for (let i = 0; i < 3; i++) m.trainStep(16);
      const file = join(dir, `${name}.h5`);
      await saveKerasH5(m, file, { scale: 1 / 255 });
      const { model } = await loadKerasH5(file, await createKernels({ threads: 1 }));
      expect(model.summary()).toBe(m.summary());
      const set = { ...mnist.test!, count: 200, images: mnist.test!.images.subarray(0, 200 * 784), labels: null };
      expect(predict(model, set).probabilities).toEqual(predict(m, set).probabilities);
      if (name === 'cnn-best') {
        // The moving statistics moved away from their initial 0 / 1 and were saved.
        const bn = model.layers.find((l) => l.className === 'BatchNormalization')!;
        const mean = model.kernels.heap.f32(bn.params[2].value, bn.params[2].size);
        expect(mean.some((v) => v !== 0)).toBe(true);
      }
      await k.dispose();
      await model.kernels.dispose();
    });
  }

  it.skipIf(!KERAS)('loads a weights-only file (save_weights) onto a given architecture, by layer order', async () => {
    // The author's architecture, with other layer names than the file's: Keras assigns by order.
    const arch = (names: string[]) =>
      JSON.stringify({
        class_name: 'Sequential',
        config: {
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 784], name: 'in' } },
            ...names.map((name, i) => ({
              class_name: 'Dense',
              config: { name, units: i < 2 ? 64 : 10, activation: i < 2 ? 'relu' : 'softmax' },
            })),
          ],
        },
      });
    const file = fixture('keras/ayush_ann.h5');
    const { model } = await loadKerasH5(file, await createKernels({ threads: 1 }), {
      architecture: arch(['a', 'b', 'c']),
    });
    // Inputs x/255 − 0.5, as the author trained it.
    expect(evaluate(model, mnist.test!, { scale: 1 / 255, shift: -0.5 }).accuracy).toBeCloseTo(0.9718, 4);
    await model.kernels.dispose();
    await expect(
      loadKerasH5(file, await createKernels({ threads: 1 }), { architecture: arch(['a', 'b']) }),
    ).rejects.toThrow(/weights for 3 layers, the architecture has 2 layers with weights/);
  });

  it.skipIf(!KERAS)(
    'writes a convnet the way Keras 2.6 wrote the same architecture: names, shapes, dtypes, config keys',
    async () => {
      const real = fixture('keras/kiljaeden_mnist.h5');
      const { model } = await loadKerasH5(real, await createKernels({ threads: 1 }));
      const ours = join(dir, 'convnet.h5');
      await saveKerasH5(model, ours);
      await model.kernels.dispose();
      const a = layout(ours);
      const keras = layout(real);
      expect(a.weightsAttrs).toEqual(keras.weightsAttrs);
      expect(a.layers).toEqual(keras.layers);
      expect(a.config).toEqual(keras.config);
    },
  );

  it.skipIf(!KERAS)(
    'reproduces the probabilities real Keras printed for kiljaeden_7.jpg (golden values, ~6 digits)',
    async () => {
      const golden = JSON.parse(readFileSync(fixture('keras/golden_kiljaeden_7jpg.json'), 'utf8')) as {
        input_uint8_28x28: number[][];
        keras_probs_from_screenshot: Record<string, number>;
      };
      const { model } = await loadKerasH5(fixture('keras/kiljaeden_mnist.h5'), await createKernels({ threads: 1 }));
      const images = Uint8Array.from(golden.input_uint8_28x28.flat());
      const p = predict(model, { count: 1, height: 28, width: 28, images, labels: null }).probabilities;
      await model.kernels.dispose();
      for (let c = 0; c < 10; c++) {
        const want = golden.keras_probs_from_screenshot[String(c)];
        expect(Math.abs(p[c] - want) / want, `class ${c}`).toBeLessThan(2e-5);
      }
    },
  );

  it.skipIf(!KERAS)(
    'writes the layout real Keras writes (compared with a tf.keras 2.4 file of the same layer types)',
    async () => {
      const k = await createKernels();
      const m = preset('mlp-small').build(k, 1).compile({ optimizer: new Adam() });
      const ours = join(dir, 'layout.h5');
      await saveKerasH5(m, ours);
      const a = layout(ours);
      const keras = layout(fixture('keras/dig94_keras_mnist.h5'));
      for (const attr of keras.rootAttrs) expect(a.rootAttrs).toContain(attr);
      expect(a.weightsAttrs).toEqual(keras.weightsAttrs);
      // Keras 2 paths: <layer>/kernel:0 under model_weights/<layer>/.
      const kerasDense = keras.layers.find((l) => l.weightNames.length > 0)!;
      const ourDense = a.layers[0];
      expect(kerasDense.weightNames.map((w) => w.replace(kerasDense.name, 'X'))).toEqual(
        ourDense.weightNames.map((w) => w.replace(ourDense.name, 'X')),
      );
      expect(ourDense.datasets.map((d) => d.dtype)).toEqual(kerasDense.datasets.map((d) => d.dtype));
      expect(ourDense.datasets[0].shape).toEqual([784, 128]);
      expect(a.config.class_name).toBe('Sequential');
      expect(a.config.layers[0].class_name).toBe('InputLayer');
      const kerasDenseKeys = keras.config.layers.find((l) => l.class_name === 'Dense')!.keys;
      expect(a.config.layers.find((l) => l.class_name === 'Dense')!.keys).toEqual(kerasDenseKeys);
      expect(a.config.layers[0].keys).toEqual(keras.config.layers[0].keys);
    },
  );

  it.skipIf(!KERAS)('loads real Keras files and reproduces their published accuracy', async () => {
    for (const [file, accuracy] of [
      ['keras/dig94_keras_mnist.h5', 0.9768], // tf.keras 2.4, logits output, fixed-length string attributes
      ['keras/aser_mnist_model.h5', 0.9808], // Keras 3 legacy HDF5
      ['keras/kiljaeden_mnist.h5', 0.9903], // Keras 2.6 convnet: Conv2D, MaxPooling2D, Flatten, Dropout, Dense
    ] as const) {
      const { model } = await loadKerasH5(fixture(file), await createKernels());
      expect(evaluate(model, mnist.test!).accuracy).toBeCloseTo(accuracy, 4);
    }
  });

  it.skipIf(!KERAS)('rejects unusable files with errors naming the file and what is wrong', async () => {
    const k = await createKernels();
    const cases: [string, RegExp][] = [
      [fixture('keras/ayush_ann.h5'), /no model_config attribute/],
      [fixture('keras/aser_best_model.keras'), /not an HDF5 model file/],
      ['/nonexistent.h5', /no such file/],
    ];
    const truncated = join(dir, 'truncated.h5');
    writeFileSync(truncated, readFileSync(fixture('keras/dig94_keras_mnist.h5')).subarray(0, 4000));
    cases.push([truncated, /truncated\.h5: /]);
    // A config declaring 100,000 units (627 MB of parameters) where the file stores a small model's weights: refused before allocating.
    const inflated = join(dir, 'inflated.h5');
    await saveKerasH5(preset('mlp-small').build(await createKernels({ threads: 1 }), 1), inflated);
    await h5wasm.ready;
    const f = new h5wasm.File(inflated, 'a');
    const config = JSON.parse(String(f.attrs.model_config.value)) as {
      config: { layers: { class_name: string; config: { units?: number } }[] };
    };
    config.config.layers.find((l) => l.class_name === 'Dense')!.config.units = 100_000;
    f.delete_attribute('model_config');
    f.create_attribute('model_config', JSON.stringify(config));
    f.close();
    cases.push([inflated, /declares far more parameters than the \d+ weights stored/]);
    for (const [file, message] of cases) {
      const err = await loadKerasH5(file, k).catch((e: unknown) => e);
      expect(err, file).toBeInstanceOf(ModelFormatError);
      expect((err as Error).message.startsWith(file)).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('a file that makes the HDF5 library abort is refused, and the next valid file still loads', async () => {
    const k = await createKernels({ threads: 1 });
    const good = join(dir, 'good.h5');
    await saveKerasH5(preset('mlp-small').build(k, 1), good); // byte-for-byte deterministic
    const bytes = new Uint8Array(readFileSync(good));
    bytes[3681] ^= 1 << 6; // found by `npm run fuzz`: an object header the library aborts on
    const bad = join(dir, 'aborts.h5');
    writeFileSync(bad, bytes);
    const err = await loadKerasH5(bad, k).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as Error).message).toMatch(/^.*aborts\.h5: corrupt or unreadable HDF5 content/);
    for (let i = 0; i < 2; i++) {
      const { model } = await loadKerasH5(good, await createKernels({ threads: 1 }));
      expect(model.params.reduce((n, p) => n + p.size, 0)).toBe(784 * 128 + 128 + 128 * 32 + 32 + 32 * 10 + 10);
    }
  });
});
