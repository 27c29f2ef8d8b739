import { describe, expect, it } from 'vitest';
import { loadMnist, type ImageSet } from '../../src/data/index.js';
import { createKernels, type Kernels } from '../../src/kernels/index.js';
import { BatchNormalization } from '../../src/nn/layers/batch-norm.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Adam } from '../../src/nn/optimizers/index.js';
import { preset } from '../../src/nn/presets.js';
import { Sequential } from '../../src/nn/sequential.js';
import { reestimateBatchNorm } from '../../src/train/batch-norm-statistics.js';
import { fit } from '../../src/train/fit.js';
import { subset } from '../helpers/mnist-subset.js';

const mnist = loadMnist();

/** Dense(8, relu) → Dropout(0.5) → BatchNormalization → Dense(10, softmax): the statistics see a dropout output. */
function net(k: Kernels, seed = 1): { model: Sequential; dense: Dense; bn: BatchNormalization } {
  const dense = new Dense(8, { activation: 'relu' });
  const bn = new BatchNormalization();
  const model = new Sequential([dense, new Dropout(0.5), bn, new Dense(10, { activation: 'softmax' })], {
    inputShape: [784],
  }).build(k, seed);
  return { model, dense, bn };
}

/** The first layer's outputs for `n` images, in f64 (plain TS): what the batch norm sees without dropout. */
function denseOutputs(k: Kernels, dense: Dense, set: ImageSet, n: number): Float64Array[] {
  const w = k.heap.f32(dense.kernel.value, 784 * 8);
  const b = k.heap.f32(dense.params[1].value, 8);
  return Array.from({ length: n }, (_, r) => {
    const y = Float64Array.from(b);
    for (let i = 0; i < 784; i++) {
      const x = set.images[r * 784 + i] / 255;
      if (x !== 0) for (let j = 0; j < 8; j++) y[j] += x * w[i * 8 + j];
    }
    return y.map((v) => Math.max(0, v));
  });
}

/** Per-channel mean and (biased) variance of each batch, averaged with row weights. */
function averagedBatchStatistics(rows: Float64Array[], batch: number): { mean: number[]; variance: number[] } {
  const mean = new Array<number>(8).fill(0);
  const variance = new Array<number>(8).fill(0);
  for (let s = 0; s < rows.length; s += batch) {
    const part = rows.slice(s, s + batch);
    for (let j = 0; j < 8; j++) {
      const m = part.reduce((a, r) => a + r[j], 0) / part.length;
      const v = part.reduce((a, r) => a + (r[j] - m) ** 2, 0) / part.length;
      mean[j] += (m * part.length) / rows.length;
      variance[j] += (v * part.length) / rows.length;
    }
  }
  return { mean, variance };
}

function expectClose(actual: Float32Array, expected: number[]): void {
  expected.forEach((e, j) => expect(actual[j]).toBeCloseTo(e, 5));
}

describe('re-estimating batch-norm statistics', () => {
  it('sets the moving statistics to the row-weighted average of the batch statistics, with dropout off', async () => {
    const k = await createKernels({ backend: 'reference' });
    const { model, dense, bn } = net(k);
    const set = subset(mnist.train!, 300);
    expect(reestimateBatchNorm(model, set, { batchSize: 128 })).toBe(1);
    const want = averagedBatchStatistics(denseOutputs(k, dense, set, 300), 128);
    expectClose(k.heap.f32(bn.movingMean.value, 8), want.mean);
    expectClose(k.heap.f32(bn.movingVariance.value, 8), want.variance);
    // `images` takes the first images only; it replaces, rather than blends with, the statistics before.
    reestimateBatchNorm(model, set, { images: 50, batchSize: 50 });
    const first = averagedBatchStatistics(denseOutputs(k, dense, set, 50), 50);
    expectClose(k.heap.f32(bn.movingMean.value, 8), first.mean);
    expectClose(k.heap.f32(bn.movingVariance.value, 8), first.variance);
  });

  it('leaves the layer on its momentum rule afterwards', async () => {
    const k = await createKernels({ backend: 'reference' });
    const { model, dense, bn } = net(k);
    const set = subset(mnist.train!, 64);
    reestimateBatchNorm(model, set, { batchSize: 64 });
    const before = Float64Array.from(k.heap.f32(bn.movingMean.value, 8));
    // One training forward on the same batch with dropout off moves the mean by 1 − momentum of the gap.
    model.plan(64, true);
    const images = model.stage(set.images);
    const idx = k.heap.alloc(64 * 4);
    k.heap.i32(idx, 64).set(Int32Array.from({ length: 64 }, (_, i) => i));
    model.loadBatch(images, 0, idx, 64, 1 / 255);
    model.forwardForStatistics(64);
    const batchMean = averagedBatchStatistics(denseOutputs(k, dense, set, 64), 64).mean;
    const after = k.heap.f32(bn.movingMean.value, 8);
    batchMean.forEach((m, j) => expect(after[j]).toBeCloseTo(before[j] * 0.99 + m * 0.01, 6));
    // The batch equals the one re-estimated from, so the mean barely moves; check the rule on a changed value.
    after[0] = 5;
    model.forwardForStatistics(64);
    expect(k.heap.f32(bn.movingMean.value, 8)[0]).toBeCloseTo(5 * 0.99 + batchMean[0] * 0.01, 5);
  });

  it('does nothing for a model without batch norm, and refuses a bad image count', async () => {
    const k = await createKernels({ backend: 'reference' });
    const m = preset('mlp-small').build(k, 1);
    const set = subset(mnist.train!, 10);
    expect(reestimateBatchNorm(m, set)).toBe(0);
    const { model } = net(k);
    expect(() => reestimateBatchNorm(model, set, { images: 0 })).toThrow(/positive integer/);
    expect(() => reestimateBatchNorm(model, set, { batchSize: 1.5 })).toThrow(/positive integer/);
    expect(() => reestimateBatchNorm(model, subset(mnist.train!, 0))).toThrow(/no images/);
  });

  it('fit(reestimateBatchNorm) ends with the statistics of the final weights on the training images', async () => {
    const k = await createKernels({ backend: 'reference' });
    const { model, dense, bn } = net(k, 3);
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }) });
    const set = subset(mnist.train!, 200);
    // One batch per epoch, so the order does not matter: the statistics are those of all 200 images.
    await fit(model, set, { epochs: 2, batchSize: 200, reestimateBatchNorm: 200 });
    const want = averagedBatchStatistics(denseOutputs(k, dense, set, 200), 200);
    expectClose(k.heap.f32(bn.movingMean.value, 8), want.mean);
    expectClose(k.heap.f32(bn.movingVariance.value, 8), want.variance);
    // Without it, two momentum updates leave the statistics near their start (0 and 1).
    const plain = net(await createKernels({ backend: 'reference' }), 3);
    plain.model.compile({ optimizer: new Adam({ learningRate: 0.01 }) });
    await fit(plain.model, set, { epochs: 2, batchSize: 200 });
    expect(Math.abs(plain.model.kernels.heap.f32(plain.bn.movingVariance.value, 8)[0] - 1)).toBeLessThan(0.05);
    await expect(fit(model, set, { epochs: 1, batchSize: 200, reestimateBatchNorm: -1 })).rejects.toThrow(
      /non-negative integer/,
    );
  });
});
