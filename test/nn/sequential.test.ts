import { describe, expect, it } from 'vitest';
import { createKernels } from '../../src/kernels/index.js';
import { BatchNormalization } from '../../src/nn/layers/batch-norm.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Adam, SGD } from '../../src/nn/optimizers/index.js';
import { preset } from '../../src/nn/presets.js';
import { Rng } from '../../src/nn/rng.js';
import { Sequential } from '../../src/nn/sequential.js';
import { maxRelError, randomFloats } from '../helpers/random.js';

function weights(m: Sequential): Float32Array[] {
  return m.params.map((p) => m.kernels.heap.f32(p.value, p.size).slice());
}

async function trainFew(
  seed: number,
  backend: 'wasm' | 'reference' = 'wasm',
  threads = 1,
  arch: 'mlp-small' | 'cnn' = 'mlp-small',
): Promise<Float32Array[]> {
  const k = await createKernels({ backend, threads });
  const m = preset(arch).build(k, seed).compile({ optimizer: new Adam() });
  m.plan(16, true);
  for (let step = 0; step < 3; step++) {
    k.heap.f32(m.input, 16 * 784).set(randomFloats(16 * 784, step, 0, 1));
    k.heap.u8(m.labels, 16).set(Array.from({ length: 16 }, (_, i) => (i + step) % 10));
    m.trainStep(16);
  }
  await k.dispose();
  return weights(m);
}

describe('Sequential', () => {
  it('summarises the seed MLP like Keras (669,706 parameters)', async () => {
    const m = preset('mlp').build(await createKernels(), 0);
    expect(m.paramCount).toBe(669_706);
    const s = m.summary();
    expect(s).toContain(' dense (Dense)');
    expect(s).toContain('(None, 512)');
    expect(s).toContain('dropout_1 (Dropout)');
    expect(s).toContain('Total params: 669,706');
    expect(preset('mlp-small').build(await createKernels(), 0).paramCount).toBe(104_938);
  });

  it('names layers as Keras does and summarises cnn-best (327,242 parameters, 832 non-trainable)', async () => {
    const m = preset('cnn-best').build(await createKernels({ threads: 1 }), 0);
    expect(m.layers.slice(0, 3).map((l) => l.name)).toEqual(['conv2d', 'batch_normalization', 'conv2d_1']);
    expect(m.outputShape).toEqual([10]);
    const s = m.summary();
    expect(s).toContain(' batch_normalization_6 (BatchNormalization)  (None, 1, 1, 128)');
    expect(s).toContain('Total params: 327,242');
    expect(s).toContain('Non-trainable params: 832');
    expect(preset('cnn').build(await createKernels({ threads: 1 }), 0).layers[1].name).toBe('max_pooling2d');
  });

  it('initialises Dense kernels Glorot-uniform and biases to zero', async () => {
    const m = preset('mlp').build(await createKernels(), 7);
    const [kernel, bias] = weights(m);
    const limit = Math.sqrt(6 / (784 + 512));
    const largest = kernel.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    expect(largest).toBeLessThanOrEqual(limit);
    expect(largest).toBeGreaterThan(0.99 * limit);
    const mean = kernel.reduce((a, b) => a + b, 0) / kernel.length;
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(bias.every((v) => v === 0)).toBe(true);
  });

  it('gives a sample the same bits alone as in any batch, though a Dense on data skips the batch-blank pixels', async () => {
    // Digit-like inputs: ink in a 14×14 window placed differently per sample, the rest blank; one sample inked
    // everywhere makes its batches dense (no pixel blank), the others leave most pixels out.
    const rows = 7;
    const x = new Float32Array(rows * 784);
    for (let s = 0; s < rows; s++)
      for (let p = 0; p < 784; p++) {
        const [r, c] = [Math.floor(p / 28), p % 28];
        const inked = s === 3 || (r >= s * 2 && r < s * 2 + 14 && c >= 14 - s && c < 28 - s);
        if (inked) x[s * 784 + p] = ((p * 7919 + s * 104729) % 997) / 997;
      }
    for (const threads of [1, 2]) {
      const k = await createKernels({ threads });
      const m = preset('mlp').build(k, 5);
      const run = (samples: number[]) => {
        m.plan(samples.length, false);
        samples.forEach((s, i) => k.heap.f32(m.input + i * 784 * 4, 784).set(x.subarray(s * 784, (s + 1) * 784)));
        m.forward(samples.length, false);
        return samples.map((_, i) => k.heap.f32(m.output + i * 40, 10).slice());
      };
      const all = run([0, 1, 2, 3, 4, 5, 6]);
      const sparse = run([6, 5, 4, 2, 1, 0]);
      for (let s = 0; s < rows; s++) {
        const [alone] = run([s]);
        expect(alone, `sample ${s} alone vs with the dense one (${threads} threads)`).toEqual(all[s]);
        if (s !== 3)
          expect(alone, `sample ${s} alone vs in a sparse batch`).toEqual(sparse[[6, 5, 4, 2, 1, 0].indexOf(s)]);
      }
      await k.dispose();
    }
  });

  it('same seed → identical weights after training; different seed → different', async () => {
    const a = await trainFew(1);
    const b = await trainFew(1);
    const c = await trainFew(2);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(c[0]);
  });

  it('1 and 2 threads train to bit-identical weights', async () => {
    expect(await trainFew(4, 'wasm', 2)).toEqual(await trainFew(4, 'wasm', 1));
    // Convolutions: blocked filter gradients and the fused first layer sum in the same order on any thread count.
    expect(await trainFew(4, 'wasm', 2, 'cnn')).toEqual(await trainFew(4, 'wasm', 1, 'cnn'));
  });

  it('the WASM and reference backends train to the same weights', async () => {
    const a = await trainFew(5, 'wasm');
    const b = await trainFew(5, 'reference');
    for (let i = 0; i < a.length; i++) {
      let d = 0;
      for (let j = 0; j < a[i].length; j++) d = Math.max(d, Math.abs(a[i][j] - b[i][j]));
      expect(d).toBeLessThan(1e-4);
    }
  });

  it('runs a first ReLU convolution and its max pooling as one step, training as the separate layers do', async () => {
    const run = async (fuse: boolean) => {
      const k = await createKernels({ threads: 2 });
      const m = preset('cnn').build(k, 3).compile({ optimizer: new Adam() });
      m.fuse = fuse;
      m.plan(16, true);
      const plan = m.executionPlan;
      let loss = 0;
      for (let step = 0; step < 3; step++) {
        k.heap.f32(m.input, 16 * 784).set(randomFloats(16 * 784, step, 0, 1));
        k.heap.u8(m.labels, 16).set(Array.from({ length: 16 }, (_, i) => (i + step) % 10));
        loss = m.trainStep(16).lossSum;
      }
      m.plan(5, false);
      k.heap.f32(m.input, 5 * 784).set(randomFloats(5 * 784, 9, 0, 1));
      m.forward(5, false);
      const out = k.heap.f32(m.output, 50).slice();
      const w = weights(m);
      await k.dispose();
      return { plan, loss, out, w };
    };
    const fused = await run(true);
    const separate = await run(false);
    expect(fused.plan).toEqual(['conv2d+max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'flatten', 'dropout', 'dense']);
    expect(separate.plan[0]).toBe('conv2d');
    expect(Math.abs(fused.loss - separate.loss)).toBeLessThan(1e-4);
    for (let i = 0; i < fused.w.length; i++) expect(maxRelError(fused.w[i], separate.w[i])).toBeLessThan(1e-4);
    expect(maxRelError(fused.out, separate.out)).toBeLessThan(1e-4);
  });

  it('label smoothing: loss and gradients against (1 − ε)·one-hot + ε/K targets; evaluation stays plain', async () => {
    const k = await createKernels({ backend: 'reference' });
    const dense = new Dense(3, { activation: 'softmax' });
    const m = new Sequential([dense], { inputShape: [2] })
      .build(k, 5)
      .compile({ optimizer: new SGD({ learningRate: 0 }), labelSmoothing: 0.3 });
    m.plan(2, true);
    const x = [
      [0.5, -1],
      [2, 0.25],
    ];
    const labels = [2, 0];
    k.heap.f32(m.input, 4).set(x.flat());
    k.heap.u8(m.labels, 2).set(labels);
    const w = k.heap.f32(dense.kernel.value, 6).slice();
    const b = k.heap.f32(dense.params[1].value, 3).slice();
    // Plain TS: p = softmax(xW + b); targets 0.7·one-hot + 0.1.
    const p = x.map((row) => {
      const z = [0, 1, 2].map((j) => b[j] + row[0] * w[j] + row[1] * w[3 + j]);
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      return e.map((v) => v / e.reduce((a, c) => a + c, 0));
    });
    const t = labels.map((l) => [0, 1, 2].map((j) => (j === l ? 0.7 : 0) + 0.1));
    const loss = p.reduce((a, row, r) => a - row.reduce((c, pj, j) => c + t[r][j] * Math.log(pj), 0), 0);
    const r = m.computeGradients(2);
    expect(r.lossSum).toBeCloseTo(loss, 5);
    const dW = k.heap.f32(dense.kernel.grad, 6);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        expect(dW[i * 3 + j]).toBeCloseTo((x[0][i] * (p[0][j] - t[0][j]) + x[1][i] * (p[1][j] - t[1][j])) / 2, 5);
    const plain = -Math.log(p[0][2]) - Math.log(p[1][0]);
    expect(m.evaluateStep(2).lossSum).toBeCloseTo(plain, 5);
    expect(() => m.compile({ optimizer: new SGD(), labelSmoothing: 1 })).toThrow(/\[0, 1\)/);
    expect(() =>
      m.compile({ optimizer: new SGD(), loss: 'sparse_categorical_crossentropy', labelSmoothing: 0.1 }),
    ).toThrow(/categorical_crossentropy/);
  });

  describe('sharpness-aware minimization (samRho)', () => {
    const x = randomFloats(6 * 4, 11, -1, 1);
    const labels = [0, 2, 1, 1, 0, 2];
    async function model(samRho: number, learningRate = 0.1) {
      const k = await createKernels();
      const m = new Sequential(
        [
          new Dense(8, { activation: 'relu' }),
          new BatchNormalization(),
          new Dropout(0.3),
          new Dense(3, { activation: 'softmax' }),
        ],
        { inputShape: [4] },
      )
        .build(k, 3)
        .compile({ optimizer: new SGD({ learningRate }), samRho });
      m.plan(6, true);
      k.heap.f32(m.input, x.length).set(x);
      k.heap.u8(m.labels, 6).set(labels);
      return m;
    }
    const values = (m: Sequential, p: { value: number; size: number }) => m.kernels.heap.f32(p.value, p.size);
    const grads = (m: Sequential) => m.trainableParams.map((p) => m.kernels.heap.f32(p.grad, p.size).slice());

    it('steps with the gradients at w + ρ·g/‖g‖ and reports the loss at w', async () => {
      const rho = 0.05;
      const sam = await model(rho);
      const r = sam.trainStep(6);
      const samLoss = r.lossSum;
      // The same step by hand on a twin: gradients, move uphill, gradients again, move back, SGD step.
      const twin = await model(0);
      const firstLoss = twin.computeGradients(6).lossSum;
      const g = grads(twin);
      const norm = Math.sqrt(g.reduce((a, gi) => a + gi.reduce((b, v) => b + v * v, 0), 0));
      const w0 = twin.trainableParams.map((p) => values(twin, p).slice());
      twin.trainableParams.forEach((p, i) => values(twin, p).set(w0[i].map((w, j) => w + (rho / norm) * g[i][j])));
      twin.computeGradients(6);
      twin.trainableParams.forEach((p, i) => values(twin, p).set(w0[i]));
      twin.optimizer!.step(twin.kernels);
      expect(samLoss).toBeCloseTo(firstLoss, 6);
      const a = weights(sam);
      const b = weights(twin); // every parameter, batch-norm moving statistics (moved by both passes) included
      for (let i = 0; i < a.length; i++) expect(maxRelError(a[i], b[i])).toBeLessThan(1e-5);
      // …and it is not the plain step.
      const plain = await model(0);
      plain.trainStep(6);
      const c = weights(plain);
      expect(Math.max(...a.map((ai, i) => maxRelError(ai, c[i])))).toBeGreaterThan(1e-3);
      for (const m of [sam, twin, plain]) await m.kernels.dispose();
    });

    it('puts the weights back exactly, and refuses a bad rho or a plan made before it was set', async () => {
      const m = await model(0.5, 0);
      const before = weights(m);
      m.trainStep(6);
      const after = weights(m);
      const trainable = new Set(m.trainableParams.map((p) => m.params.indexOf(p)));
      for (const i of trainable) expect(after[i]).toEqual(before[i]);
      expect(() => m.compile({ optimizer: new SGD(), samRho: -1 })).toThrow(/rho/);
      const late = await model(0);
      late.samRho = 0.05;
      expect(() => late.trainStep(6)).toThrow(/plan\(\) again/);
      late.plan(6, true);
      expect(Number.isFinite(late.trainStep(6).lossSum)).toBe(true);
      for (const k of [m, late]) await k.kernels.dispose();
    });
  });

  it('rejects a batch larger than the plan and training without an optimizer', async () => {
    const m = preset('mlp-small').build(await createKernels(), 0);
    m.plan(4, true);
    expect(() => m.forward(5, false)).toThrow(/does not fit the plan/);
    expect(() => m.trainStep(4)).toThrow(/compile/);
  });

  it('refuses to let one model overwrite another on shared kernels', async () => {
    const k = await createKernels();
    const a = preset('mlp-small').build(k, 0);
    a.plan(4, false);
    preset('mlp-small').build(k, 0);
    expect(() => a.plan(4, false)).toThrow(/own kernels/);
  });
});

describe('Rng', () => {
  it('is deterministic, uniform and restorable', () => {
    const r = new Rng(42);
    const first = Array.from({ length: 5 }, () => r.nextU32());
    expect(Array.from({ length: 5 }, () => new Rng(42)).map((x) => x.nextU32())).toEqual(Array(5).fill(first[0]));
    const s = r.state;
    const next = r.next();
    r.state = s;
    expect(r.next()).toBe(next);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += r.next();
    expect(sum / 100_000).toBeGreaterThan(0.49);
    expect(sum / 100_000).toBeLessThan(0.51);
  });
});
