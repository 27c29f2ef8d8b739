import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { createKernels } from '../../src/kernels/index.js';
import { Adam, RMSprop, SGD, weightAverages } from '../../src/nn/optimizers/index.js';
import { preset } from '../../src/nn/presets.js';
import { BatchNormalization } from '../../src/nn/layers/batch-norm.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Sequential } from '../../src/nn/sequential.js';
import { reestimateBatchNorm } from '../../src/train/batch-norm-statistics.js';
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

  it('useEma: trains the same live weights, validates and ends with their moving average', async () => {
    const train = subset(mnist.train!, 1000);
    const val = subset(mnist.test!, 500);
    const momentum = 0.9;
    const build = async (useEma: boolean) =>
      preset('mlp-small')
        .build(await createKernels(), 5)
        .compile({ optimizer: new Adam({ learningRate: 3e-3, useEma, emaMomentum: momentum }) });
    const weights = (m: Sequential) => m.trainableParams.map((p) => m.kernels.heap.f32(p.value, p.size).slice());
    const bits = (arrays: Float32Array[]) => arrays.map((a) => Array.from(new Uint32Array(a.slice().buffer)));

    // The plain run, with the average after every step computed here in f32 as Keras defines it.
    const plain = await build(false);
    let average: Float32Array[] = [];
    let steps = 0;
    const m = Math.fround(momentum);
    const rest = Math.fround(1 - m);
    await fit(plain, train, {
      epochs: 2,
      batchSize: 100,
      progress: {
        epochBegin() {},
        step() {
          const w = weights(plain);
          average =
            ++steps === 1
              ? w
              : average.map((a, i) => a.map((x, j) => Math.fround(x * m) + Math.fround(w[i][j] * rest)));
        },
        epochEnd() {},
        close() {},
      },
    });

    const ema = await build(true);
    // Zero epochs: no step, nothing averaged yet, and the weights stay as initialised.
    const initial = bits(weights(ema));
    await fit(ema, train, { epochs: 0, batchSize: 100 });
    expect(bits(weights(ema))).toEqual(initial);
    let live: Float32Array[] = [];
    let averagesAtEnd: Float32Array[] = [];
    const h = await fit(ema, train, {
      epochs: 2,
      batchSize: 100,
      validationData: val,
      onEpochEnd: () => {
        live = weights(ema);
        averagesAtEnd = weightAverages(ema.optimizer!)!.map((s) => ema.kernels.heap.f32(s.ptr, s.param.size).slice());
      },
    });
    expect(steps).toBe(20);
    // Averaging does not change training: the live weights follow the plain run bit for bit.
    expect(bits(live)).toEqual(bits(weights(plain)));
    // The run ends with the averages, which match the reference and differ from the live weights.
    expect(bits(weights(ema))).toEqual(bits(averagesAtEnd));
    expect(bits(averagesAtEnd)).toEqual(bits(average));
    expect(bits(weights(ema))).not.toEqual(bits(live));
    // The last epoch was validated on those averaged weights.
    const e = evaluate(ema, val);
    expect(h.epochs[1].val_accuracy).toBe(e.accuracy);
    expect(h.epochs[1].val_loss).toBeCloseTo(e.loss, 10);
  });

  it('useEma with reestimateBatchNorm: statistics are re-estimated for the averaged weights, and kept with them', async () => {
    // One batch of 100 per epoch, re-estimated from all 100: the statistics do not depend on the shuffle.
    const train = subset(mnist.train!, 100);
    const val = subset(mnist.test!, 300);
    const m = new Sequential(
      [new Dense(16, { activation: 'relu' }), new BatchNormalization(), new Dense(10, { activation: 'softmax' })],
      { inputShape: [784] },
    )
      .build(await createKernels({ threads: 1 }), 2)
      .compile({ optimizer: new Adam({ learningRate: 1e-2, useEma: true, emaMomentum: 0.7 }) });
    const h = await fit(m, train, { epochs: 6, batchSize: 100, validationData: val, reestimateBatchNorm: 100 });
    const stats = () =>
      m.params.filter((p) => p.trainable === false).map((p) => Array.from(m.kernels.heap.f32(p.value, p.size)));
    const kept = stats();
    const last = h.epochs[5];
    // The run ends with the averages and the statistics estimated for them: evaluating it repeats the last epoch.
    let e = evaluate(m, val);
    expect(e.accuracy).toBe(last.val_accuracy);
    expect(e.loss).toBeCloseTo(last.val_loss!, 6);
    // Re-estimating them here, on the final (averaged) weights, finds the same statistics.
    reestimateBatchNorm(m, train, { batchSize: 100 });
    stats().forEach((s, i) => s.forEach((v, j) => expect(v).toBeCloseTo(kept[i][j], 4)));
    e = evaluate(m, val);
    expect(e.loss).toBeCloseTo(last.val_loss!, 5);
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
