import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { createKernels } from '../../src/kernels/index.js';
import { Adam, RMSprop, SGD } from '../../src/nn/optimizers/index.js';
import { preset } from '../../src/nn/presets.js';
import { evaluate, predict } from '../../src/train/evaluate.js';
import { DivergenceError, fit } from '../../src/train/fit.js';
import { subset } from '../helpers/mnist-subset.js';

const mnist = loadMnist();

describe('fit / evaluate / predict', () => {
  it('the seed MLP reaches > 96.5 % test accuracy after one epoch on full MNIST', async () => {
    const m = preset('mlp')
      .build(await createKernels(), 1)
      .compile({ optimizer: new Adam() });
    const h = await fit(m, mnist.train!, { epochs: 1, batchSize: 128, validationData: mnist.test });
    const e = evaluate(m, mnist.test!);
    expect(e.count).toBe(10_000);
    expect(e.accuracy).toBeGreaterThan(0.965);
    // Validation during fit and evaluate afterwards see the same weights and data.
    expect(h.epochs[0].val_accuracy).toBe(e.accuracy);
    expect(h.epochs[0].val_loss).toBeCloseTo(e.loss, 10);
    expect(h.epochs[0].loss).toBeGreaterThan(e.loss * 0.5);
    // predict agrees with evaluate's accuracy and yields distributions.
    const p = predict(m, mnist.test!);
    const correct = p.labels.filter((l, i) => l === mnist.test!.labels![i]).length;
    expect(correct / 10_000).toBe(e.accuracy);
    const row0 = p.probabilities.subarray(0, 10).reduce((a, b) => a + b, 0);
    expect(row0).toBeCloseTo(1, 5);
  });

  it('validationSplit holds out the last fraction, as Keras does', async () => {
    const m = preset('mlp-small')
      .build(await createKernels(), 2)
      .compile({ optimizer: new Adam() });
    const train = subset(mnist.train!, 1000);
    const h = await fit(m, train, { epochs: 2, batchSize: 100, validationSplit: 0.2 });
    expect(h.epochs).toHaveLength(2);
    // The held-out rows are exactly images 800..999.
    const held = {
      ...train,
      count: 200,
      images: train.images.subarray(800 * 784),
      labels: train.labels!.subarray(800),
    };
    expect(evaluate(m, held).accuracy).toBe(h.epochs[1].val_accuracy);
  });

  it('stops with a clear error naming epoch and step when the loss diverges', async () => {
    const m = preset('mlp-small')
      .build(await createKernels(), 3)
      .compile({ optimizer: new SGD({ learningRate: 1e12 }) });
    let err: unknown;
    try {
      await fit(m, subset(mnist.train!, 2000), { epochs: 3, batchSize: 100 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(/loss or weights not finite at epoch 1, step \d+/);
  });

  it('catches weights that overflow on the last step of an epoch, before anything could checkpoint them', async () => {
    // One step per epoch: its loss is finite, but RMSprop's first step (≈ 3.16·lr) at lr 2e38 overflows float32.
    const m = preset('mlp-small')
      .build(await createKernels(), 3)
      .compile({ optimizer: new RMSprop({ learningRate: 2e38 }) });
    const ends: number[] = [];
    const err = await fit(m, subset(mnist.train!, 100), {
      epochs: 2,
      batchSize: 100,
      onEpochEnd: (e) => void ends.push(e),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(/not finite at epoch 1, step 1 /);
    expect(ends).toEqual([]);
  });

  it('rejects labels beyond the model outputs and bad arguments', async () => {
    const m = preset('mlp-small', 3)
      .build(await createKernels(), 0)
      .compile({ optimizer: new Adam() });
    await expect(fit(m, subset(mnist.train!, 50), { epochs: 1, batchSize: 10 })).rejects.toThrow(
      /label 9, but the model has only 3 classes/,
    );
    await expect(fit(m, subset(mnist.train!, 50), { epochs: 1, batchSize: 0 })).rejects.toThrow(/batch size/);
  });
});
