import { describe, expect, it } from 'vitest';
import { createKernels } from '../../src/kernels/index.js';
import type { Layer } from '../../src/nn/layer.js';
import { ActivationLayer } from '../../src/nn/layers/activation.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { BatchNormalization } from '../../src/nn/layers/batch-norm.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { GlobalAveragePooling2D } from '../../src/nn/layers/global-average-pooling.js';
import { AveragePooling2D, MaxPooling2D } from '../../src/nn/layers/pooling.js';
import { Reshape } from '../../src/nn/layers/reshape.js';
import type { LossName } from '../../src/nn/losses.js';
import { Sequential } from '../../src/nn/sequential.js';
import { randomFloats } from '../helpers/random.js';

/**
 * Finite-difference gradient checks: for every parameter of small models, the analytic gradient from
 * backward() must match (L(p+h) − L(p−h)) / 2h of the mean loss. Dropout uses the same mask for all
 * evaluations (the model RNG is restored before each), so it is checked too.
 */
async function check(
  layers: Layer[],
  inputShape: number[],
  loss: LossName,
  classes: number,
  blankFeatures: number[] = [],
): Promise<Float32Array[]> {
  const k = await createKernels({ backend: 'reference' });
  const model = new Sequential(layers, { inputShape }).build(k, 3);
  model.loss = loss;
  const rows = 4;
  model.plan(rows, true);
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  const x = randomFloats(rows * inputSize, 11, -1, 1);
  for (const f of blankFeatures) for (let r = 0; r < rows; r++) x[r * inputSize + f] = 0;
  k.heap.f32(model.input, rows * inputSize).set(x);
  k.heap.u8(model.labels, rows).set([0, 2, 1, classes - 1]);
  const state = model.rng.state;
  const lossAt = () => {
    model.rng.state = state;
    return model.computeGradients(rows).lossSum / rows;
  };
  lossAt();
  const h = 1e-3;
  let checked = 0;
  for (const p of model.trainableParams) {
    const analytic = k.heap.f32(p.grad, p.size).slice();
    for (let i = 0; i < p.size; i++) {
      const values = k.heap.f32(p.value, p.size);
      const orig = values[i];
      values[i] = orig + h;
      const up = lossAt();
      k.heap.f32(p.value, p.size)[i] = orig - h;
      const down = lossAt();
      k.heap.f32(p.value, p.size)[i] = orig;
      const numeric = (up - down) / (2 * h);
      expect(
        Math.abs(numeric - analytic[i]),
        `${p.name}[${i}] numeric ${numeric} analytic ${analytic[i]}`,
      ).toBeLessThan(2e-3 + 2e-2 * Math.abs(analytic[i]));
      checked++;
    }
  }
  expect(checked).toBe(model.trainableParams.reduce((a, p) => a + p.size, 0));
  // And the gradient is not trivially zero.
  const norm = model.trainableParams.reduce((a, p) => a + k.heap.f32(p.grad, p.size).reduce((s, v) => s + v * v, 0), 0);
  expect(norm).toBeGreaterThan(1e-6);
  return model.trainableParams.map((p) => k.heap.f32(p.grad, p.size).slice());
}

describe('gradient checks (finite differences)', () => {
  it('Dense(relu) → Dropout → Dense(softmax), categorical cross-entropy', async () => {
    await check(
      [new Dense(5, { activation: 'relu' }), new Dropout(0.3), new Dense(4, { activation: 'softmax' })],
      [6],
      'categorical_crossentropy',
      4,
    );
  });

  it('the same with sparse categorical cross-entropy', async () => {
    await check(
      [new Dense(5, { activation: 'relu' }), new Dropout(0.3), new Dense(4, { activation: 'softmax' })],
      [6],
      'sparse_categorical_crossentropy',
      4,
    );
  });

  it('Dense on data with features blank in the whole batch (their weights gathered out, zero gradient)', async () => {
    const blank = [0, 1, 4, 5, 7, 11];
    const [kernelGrad] = await check(
      [new Flatten(), new Dense(5, { activation: 'relu' }), new Dense(3, { activation: 'softmax' })],
      [2, 6],
      'sparse_categorical_crossentropy',
      3,
      blank,
    );
    // Those features' weights (rows of the 12×5 kernel) get exactly zero gradient; the others do not.
    for (let f = 0; f < 12; f++) {
      const row = Array.from(kernelGrad.subarray(f * 5, f * 5 + 5));
      if (blank.includes(f)) expect(row, `feature ${f}`).toEqual([0, 0, 0, 0, 0]);
      else
        expect(
          row.some((g) => g !== 0),
          `feature ${f}`,
        ).toBe(true);
    }
  });

  it('Flatten → Dense(relu) → Dense(linear) → Softmax layer', async () => {
    await check(
      [new Flatten(), new Dense(6, { activation: 'relu' }), new Dense(3), new ActivationLayer('softmax', 'Softmax')],
      [2, 3],
      'categorical_crossentropy',
      3,
    );
  });

  it('Dense on the last axis of a 2-axis input (Keras semantics) → Flatten → Dense(softmax)', async () => {
    await check(
      [new Dense(4, { activation: 'relu' }), new Flatten(), new Dense(3, { activation: 'softmax' })],
      [3, 5],
      'categorical_crossentropy',
      3,
    );
  });

  it('Dense → ReLU layer → Dense without bias, logits output (from_logits)', async () => {
    await check(
      [new Dense(5), new ActivationLayer('relu', 'ReLU'), new Dense(3, { useBias: false })],
      [4],
      'sparse_categorical_crossentropy',
      3,
    );
  });

  it('Dense → Activation(relu) → Dropout(0) → Dense(softmax)', async () => {
    await check(
      [new Dense(4), new ActivationLayer('relu'), new Dropout(0), new Dense(3, { activation: 'softmax' })],
      [5],
      'categorical_crossentropy',
      3,
    );
  });

  it('Conv2D(relu, valid) → MaxPooling2D → Conv2D(same) → Flatten → Dense(softmax)', async () => {
    await check(
      [
        new Conv2D(3, 3, { activation: 'relu' }),
        new MaxPooling2D(2),
        new Conv2D(4, 2, { padding: 'same' }),
        new Flatten(),
        new Dense(3, { activation: 'softmax' }),
      ],
      [6, 6, 2],
      'categorical_crossentropy',
      3,
    );
  });

  it('Conv2D(stride 2, same) → BatchNormalization → ReLU → 1×1 Conv2D → GlobalAveragePooling2D → Dense', async () => {
    await check(
      [
        new Conv2D(3, 3, { strides: 2, padding: 'same', useBias: false }),
        new BatchNormalization(),
        new ActivationLayer('relu'),
        new Conv2D(4, 1, { kernelInitializer: 'he_normal' }),
        new GlobalAveragePooling2D(),
        new Dense(3),
      ],
      [5, 5, 1],
      'sparse_categorical_crossentropy',
      3,
    );
  });

  it('Reshape → Conv2D → MaxPooling2D(3, stride 2, same) → Flatten → Dense → BatchNormalization → Dense(softmax)', async () => {
    await check(
      [
        new Reshape([4, 4, 1]),
        new Conv2D(2, 2, { activation: 'relu', kernelInitializer: 'he_uniform' }),
        new MaxPooling2D(3, { strides: 2, padding: 'same' }),
        new Flatten(),
        new Dense(5),
        new BatchNormalization({ momentum: 0.9 }),
        new Dense(3, { activation: 'softmax' }),
      ],
      [16],
      'categorical_crossentropy',
      3,
    );
  });

  it('Conv2D → AveragePooling2D(3, stride 2, same: edge windows average fewer cells) → AveragePooling2D(2) → Flatten → Dense(softmax)', async () => {
    await check(
      [
        new Conv2D(3, 2, { padding: 'same' }),
        new AveragePooling2D(3, { strides: 2, padding: 'same' }),
        new AveragePooling2D(2),
        new Flatten(),
        new Dense(3, { activation: 'softmax' }),
      ],
      [6, 7, 2],
      'categorical_crossentropy',
      3,
    );
  });
});

describe('Conv2D(relu) → MaxPooling2D: the pooling does the ReLU backward', () => {
  for (const backend of ['reference', 'wasm'] as const)
    it(`gives exactly the gradients of a separate ReLU layer (${backend})`, async () => {
      const rows = 3;
      const input = randomFloats(rows * 81, 21, 0, 1);
      let weights: Float32Array[] | null = null;
      /** The conv's gradients, for a model whose ReLU is fused into the conv or a layer of its own. */
      const gradients = async (fused: boolean) => {
        const k = await createKernels({ backend, threads: 1 });
        try {
          const conv = new Conv2D(4, 3, { activation: fused ? 'relu' : 'linear' });
          const head = [new MaxPooling2D(2), new Flatten(), new Dense(3, { activation: 'softmax' })];
          const layers = fused ? [conv, ...head] : [conv, new ActivationLayer('relu'), ...head];
          const m = new Sequential(layers, { inputShape: [9, 9, 1] }).build(k, 5);
          const values = m.trainableParams.map((p) => k.heap.f32(p.value, p.size));
          // Same weights in both; a bias of −3 on two filters leaves their pool windows at 0 (inputs are in
          // [0, 1]), where no gradient may pass.
          if (weights) values.forEach((v, i) => v.set(weights![i]));
          else {
            values[1].set([0.1, -3, 0.2, -3]);
            weights = values.map((v) => v.slice());
          }
          m.loss = 'categorical_crossentropy';
          m.plan(rows, true);
          k.heap.f32(m.input, rows * 81).set(input);
          k.heap.u8(m.labels, rows).set([0, 1, 2]);
          m.computeGradients(rows);
          return m.trainableParams.map((p) => Array.from(k.heap.f32(p.grad, p.size)));
        } finally {
          await k.dispose();
        }
      };
      const a = await gradients(true);
      const b = await gradients(false);
      expect(a).toEqual(b);
      expect(a[1][1]).toBe(0);
      expect(a[1][3]).toBe(0);
      expect(a[1][0]).not.toBe(0);
    });
});
