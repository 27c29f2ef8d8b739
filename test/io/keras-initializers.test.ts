import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelForTraining } from '../../src/cli/architecture.js';
import { ModelFormatError } from '../../src/errors.js';
import { sequentialFromConfig } from '../../src/io/keras-config.js';
import { loadModelFile, saveModelFile } from '../../src/io/model-file.js';
import { createKernels } from '../../src/kernels/index.js';
import { initializerFromKeras } from '../../src/nn/init.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Sequential } from '../../src/nn/sequential.js';
import { tempDir } from '../helpers/formats.js';

/** An MLP's architecture JSON as tf.keras's model.to_json() writes it, with the given kernel initializer. */
function mlpJson(kernelInitializer: unknown, biasInitializer: unknown = { class_name: 'Zeros', config: {} }): string {
  const dense = (name: string, units: number, activation: string) => ({
    class_name: 'Dense',
    config: {
      name,
      units,
      activation,
      use_bias: true,
      kernel_initializer: kernelInitializer,
      bias_initializer: biasInitializer,
    },
  });
  return JSON.stringify({
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 784], name: 'input' } },
        dense('dense', 512, 'relu'),
        dense('dense_1', 10, 'softmax'),
      ],
    },
  });
}

const std = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);

describe('Keras kernel initializers', () => {
  const dir = tempDir();

  it('reads every spelling Keras writes', () => {
    expect(initializerFromKeras({ class_name: 'HeNormal', config: { seed: null } })).toBe('he_normal');
    expect(
      initializerFromKeras({
        module: 'keras.initializers',
        class_name: 'GlorotNormal',
        config: {},
        registered_name: null,
      }),
    ).toBe('glorot_normal');
    expect(initializerFromKeras('he_uniform')).toBe('he_uniform');
    expect(initializerFromKeras('LecunNormal')).toBe('lecun_normal');
    const vs = (config: object) => initializerFromKeras({ class_name: 'VarianceScaling', config });
    expect(vs({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal' })).toBe('he_normal');
    expect(vs({ scale: 1, mode: 'fan_avg', distribution: 'uniform' })).toBe('glorot_uniform');
    expect(vs({ scale: 1, mode: 'fan_in', distribution: 'normal' })).toBe('lecun_normal');
    expect(vs({ scale: 3, mode: 'fan_in', distribution: 'uniform' })).toBeNull();
    expect(initializerFromKeras({ class_name: 'Orthogonal', config: { gain: 1 } })).toBeNull();
    expect(initializerFromKeras(undefined)).toBeUndefined();
  });

  it('an architecture JSON with HeNormal trains from HeNormal weights', async () => {
    const file = join(dir, 'he.json');
    writeFileSync(file, mlpJson({ class_name: 'HeNormal', config: { seed: null } }));
    const k = await createKernels({ threads: 1 });
    const model = await modelForTraining(file, 10, [28, 28], k, 7);
    const dense = model.layers[0] as Dense;
    expect(dense.kernelInitializer).toBe('he_normal');
    const w = k.heap.f32(dense.kernel.value, dense.kernel.size);
    // He normal: σ = √(2/784) = 0.0505; Glorot uniform would give √(2/(784+512)) = 0.0393.
    expect(std(w)).toBeCloseTo(Math.sqrt(2 / 784), 3);
    // The same draw as a Dense built with he_normal from the same seed.
    const direct = new Sequential(
      [new Dense(512, { activation: 'relu', kernelInitializer: 'he_normal' }), new Dense(10)],
      {
        inputShape: [784],
      },
    ).build(await createKernels({ threads: 1 }), 7);
    const d = direct.layers[0] as Dense;
    expect(direct.kernels.heap.f32(d.kernel.value, d.kernel.size)).toEqual(w);

    writeFileSync(file, mlpJson(undefined));
    const plain = await modelForTraining(file, 10, [28, 28], await createKernels({ threads: 1 }), 7);
    const g = plain.layers[0] as Dense;
    expect(g.kernelInitializer).toBe('glorot_uniform');
    expect(std(plain.kernels.heap.f32(g.kernel.value, g.kernel.size))).toBeCloseTo(Math.sqrt(2 / (784 + 512)), 3);
  });

  it('an architecture JSON with an initializer it cannot draw from is refused, naming the layer', async () => {
    const file = join(dir, 'orth.json');
    writeFileSync(file, mlpJson({ class_name: 'Orthogonal', config: { gain: 1 } }));
    const k = await createKernels({ threads: 1 });
    await expect(modelForTraining(file, 10, [28, 28], k, 1)).rejects.toThrow(
      /layer "dense" \(Dense\): kernel_initializer .*Orthogonal.* is not supported/,
    );
    writeFileSync(file, mlpJson('he_normal', { class_name: 'Constant', config: { value: 0.1 } }));
    await expect(modelForTraining(file, 10, [28, 28], k, 1)).rejects.toThrow(/bias_initializer .*Constant/);
    // A saved model's weights are read, not drawn: its initializers do not matter.
    const config = JSON.parse(mlpJson({ class_name: 'Orthogonal', config: {} }));
    expect(sequentialFromConfig(config, 'saved.h5').layers.length).toBe(2);
    expect(() => sequentialFromConfig(config, 'arch.json', { initializers: 'required' })).toThrow(ModelFormatError);
  });

  for (const ext of ['h5', 'keras']) {
    it(`a .${ext} file keeps each layer's kernel_initializer`, async () => {
      const k = await createKernels({ threads: 1 });
      const m = new Sequential(
        [
          new Conv2D(4, 3, { activation: 'relu', kernelInitializer: 'he_uniform' }),
          new Flatten(),
          new Dense(8, { activation: 'relu', kernelInitializer: 'he_normal' }),
          new Dense(10, { activation: 'softmax', kernelInitializer: 'lecun_normal' }),
        ],
        { inputShape: [28, 28, 1] },
      ).build(k, 2);
      const file = join(dir, `init.${ext}`);
      await saveModelFile(m, file);
      const { model } = await loadModelFile(file, { threads: 1 });
      const names = (s: Sequential) => s.layers.map((l) => (l as Partial<Dense>).kernelInitializer ?? '-').join(',');
      expect(names(model)).toBe('he_uniform,-,he_normal,lecun_normal');
      expect(model.layers.map((l) => (l.config().kernel_initializer as { class_name?: string })?.class_name)).toEqual([
        'HeUniform',
        undefined,
        'HeNormal',
        'LecunNormal',
      ]);
    });
  }
});
