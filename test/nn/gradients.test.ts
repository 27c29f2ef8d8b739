import { describe, expect, it } from 'vitest';
import { createKernels } from '../../src/kernels/index.js';
import type { Layer } from '../../src/nn/layer.js';
import { ActivationLayer } from '../../src/nn/layers/activation.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import type { LossName } from '../../src/nn/losses.js';
import { Sequential } from '../../src/nn/sequential.js';
import { randomFloats } from '../helpers/random.js';

/**
 * Finite-difference gradient checks: for every parameter of small models, the analytic gradient from
 * backward() must match (L(p+h) − L(p−h)) / 2h of the mean loss. Dropout uses the same mask for all
 * evaluations (the model RNG is restored before each), so it is checked too.
 */
async function check(layers: Layer[], inputShape: number[], loss: LossName, classes: number): Promise<void> {
  const k = await createKernels({ backend: 'reference' });
  const model = new Sequential(layers, { inputShape }).build(k, 3);
  model.loss = loss;
  const rows = 4;
  model.plan(rows, true);
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  k.heap.f32(model.input, rows * inputSize).set(randomFloats(rows * inputSize, 11, -1, 1));
  k.heap.u8(model.labels, rows).set([0, 2, 1, classes - 1]);
  const state = model.rng.state;
  const lossAt = () => {
    model.rng.state = state;
    return model.computeGradients(rows).lossSum / rows;
  };
  lossAt();
  const h = 1e-3;
  let checked = 0;
  for (const p of model.params) {
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
  expect(checked).toBe(model.paramCount);
  // And the gradient is not trivially zero.
  const norm = model.params.reduce((a, p) => a + k.heap.f32(p.grad, p.size).reduce((s, v) => s + v * v, 0), 0);
  expect(norm).toBeGreaterThan(1e-6);
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

  it('Flatten → Dense(relu) → Dense(linear) → Softmax layer', async () => {
    await check(
      [new Flatten(), new Dense(6, { activation: 'relu' }), new Dense(3), new ActivationLayer('softmax', 'Softmax')],
      [2, 3],
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
});
