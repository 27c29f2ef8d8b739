import { describe, expect, it } from 'vitest';
import { createKernels, type Kernels } from '../../src/kernels/index.js';
import { allocParam, type Param } from '../../src/nn/layer.js';
import {
  Adadelta,
  Adam,
  AdamW,
  optimizerFromKeras,
  RMSprop,
  SGD,
  swapAverages,
  weightAverages,
  type Optimizer,
} from '../../src/nn/optimizers/index.js';

/** Runs `steps` updates of one 3-element parameter with a fixed gradient; returns its values. */
async function run(opt: Optimizer, steps: number, init = [1, -2, 0.5], grad = [0.1, -0.2, 4]): Promise<number[]> {
  const k: Kernels = await createKernels({ backend: 'reference' });
  const p: Param = allocParam(k.heap, 'kernel', [3]);
  k.heap.f32(p.value, 3).set(init);
  k.heap.f32(p.grad, 3).set(grad);
  opt.init(k.heap, [p]);
  for (let i = 0; i < steps; i++) opt.step(k);
  return Array.from(k.heap.f32(p.value, 3));
}

describe('optimizers (Keras formulas, known values)', () => {
  it('Adam: first step moves each weight by ≈ lr · sign(g)', async () => {
    const v = await run(new Adam({ learningRate: 0.01 }), 1);
    expect(v[0]).toBeCloseTo(1 - 0.01, 5);
    expect(v[1]).toBeCloseTo(-2 + 0.01, 5);
    expect(v[2]).toBeCloseTo(0.5 - 0.01, 5);
  });

  it('Adam: with a constant gradient every step is ≈ lr · sign(g)', async () => {
    const v = await run(new Adam({ learningRate: 0.001 }), 10);
    expect(v[0]).toBeCloseTo(1 - 0.01, 4);
    expect(v[2]).toBeCloseTo(0.5 - 0.01, 4);
  });

  it('Adam defaults are Keras defaults', () => {
    const a = new Adam();
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon]).toEqual([1e-3, 0.9, 0.999, 1e-7]);
  });

  it('SGD: p − lr·g', async () => {
    const v = await run(new SGD({ learningRate: 0.1 }), 2);
    expect(v[0]).toBeCloseTo(1 - 2 * 0.01, 6);
    expect(v[2]).toBeCloseTo(0.5 - 2 * 0.4, 6);
  });

  it('SGD momentum: v1 = −lr·g, v2 = m·v1 − lr·g', async () => {
    const v = await run(new SGD({ learningRate: 0.1, momentum: 0.9 }), 2);
    // p = 1 − 0.01 − (0.9·0.01 + 0.01) = 0.971
    expect(v[0]).toBeCloseTo(0.971, 6);
  });

  it('SGD Nesterov: p += m·v − lr·g', async () => {
    const v = await run(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), 1);
    // v1 = −0.01; p = 1 + 0.9·(−0.01) − 0.01 = 0.981
    expect(v[0]).toBeCloseTo(0.981, 6);
  });

  it('RMSprop: first step is lr·g / (√((1−ρ)g²) + ε)', async () => {
    const v = await run(new RMSprop({ learningRate: 0.01 }), 1);
    expect(v[0]).toBeCloseTo(1 - 0.01 / Math.sqrt(0.1), 5);
    expect(v[2]).toBeCloseTo(0.5 - 0.01 / Math.sqrt(0.1), 5);
  });

  it('AdamW: decays the weights by lr·wd before the Adam step', async () => {
    const v = await run(new AdamW({ learningRate: 0.01, weightDecay: 0.1 }), 1);
    // p ← p·(1 − 0.01·0.1) − 0.01·sign(g)
    expect(v[0]).toBeCloseTo(1 * 0.999 - 0.01, 5);
    expect(v[1]).toBeCloseTo(-2 * 0.999 + 0.01, 5);
    expect(new AdamW().common.weightDecay).toBe(0.004);
  });

  it('Adadelta: first step Δ = √ε / √((1−ρ)g² + ε) · g', async () => {
    const eps = 1e-7;
    const v = await run(new Adadelta({ learningRate: 1 }), 1);
    const delta = (g: number) => (Math.sqrt(eps) / Math.sqrt(0.05 * g * g + eps)) * g;
    expect(v[0]).toBeCloseTo(1 - delta(0.1), 6);
    expect(v[2]).toBeCloseTo(0.5 - delta(4), 6);
    // Second step: the accumulated Δ² makes the step larger.
    const two = await run(new Adadelta({ learningRate: 1 }), 2);
    const a1 = 0.05 * 0.01;
    const d1 = 0.05 * delta(0.1) ** 2;
    const a2 = 0.95 * a1 + 0.05 * 0.01;
    expect(two[0]).toBeCloseTo(1 - delta(0.1) - (Math.sqrt(d1 + eps) / Math.sqrt(a2 + eps)) * 0.1, 6);
  });

  it('weight decay with SGD: p·(1 − lr·wd) − lr·g', async () => {
    const v = await run(new SGD({ learningRate: 0.1, weightDecay: 0.5 }), 1);
    expect(v[0]).toBeCloseTo(1 * 0.95 - 0.01, 6);
    expect(v[2]).toBeCloseTo(0.5 * 0.95 - 0.4, 6);
  });

  it('global clipnorm rescales all gradients together; clipvalue clamps each element', async () => {
    // gradient (3, 4, 0): norm 5 → clipped to norm 1 = (0.6, 0.8, 0)
    const v = await run(new SGD({ learningRate: 1, clipnorm: 1 }), 1, [0, 0, 0], [3, 4, 0]);
    expect(v[0]).toBeCloseTo(-0.6, 6);
    expect(v[1]).toBeCloseTo(-0.8, 6);
    const unclipped = await run(new SGD({ learningRate: 1, clipnorm: 10 }), 1, [0, 0, 0], [3, 4, 0]);
    expect(unclipped).toEqual([-3, -4, 0]);
    const c = await run(new SGD({ learningRate: 1, clipvalue: 0.5 }), 1, [0, 0, 0], [3, -4, 0.25]);
    expect(c).toEqual([-0.5, 0.5, -0.25]);
  });

  it('useEma: the average starts at the weights after step 1, then a ← m·a + (1 − m)·p (Keras use_ema)', async () => {
    // SGD lr 1, gradient g fixed: p_t = p0 − t·g. Momentum 0.5: a1 = p1, a2 = (p1 + p2)/2, a3 = (a2 + p3)/2.
    const k: Kernels = await createKernels({ backend: 'reference' });
    const p: Param = allocParam(k.heap, 'kernel', [2]);
    k.heap.f32(p.value, 2).set([1, -2]);
    k.heap.f32(p.grad, 2).set([0.25, -0.5]);
    const opt = new SGD({ learningRate: 1, useEma: true, emaMomentum: 0.5 });
    opt.init(k.heap, [p]);
    const averages = weightAverages(opt)!;
    expect(averages.map((s) => s.name)).toEqual(['average']);
    const avg = () => Array.from(k.heap.f32(averages[0].ptr, 2));
    opt.step(k);
    expect(avg()).toEqual([0.75, -1.5]);
    opt.step(k);
    expect(avg()).toEqual([0.625, -1.25]); // (0.75 + 0.5)/2, (−1.5 − 1)/2
    opt.step(k);
    expect(avg()).toEqual([0.4375, -0.875]); // (0.625 + 0.25)/2, (−1.25 − 0.5)/2
    expect(Array.from(k.heap.f32(p.value, 2))).toEqual([0.25, -0.5]); // the weights themselves are untouched
    swapAverages(k.heap, averages);
    expect(Array.from(k.heap.f32(p.value, 2))).toEqual([0.4375, -0.875]);
    expect(avg()).toEqual([0.25, -0.5]);
    expect(weightAverages(new SGD())).toBeNull();
  });

  it('useEma with an overwrite frequency copies the averages into the weights every N steps', async () => {
    // Adam's first step moves each weight by ≈ lr·sign(g); with frequency 2 the second step ends at a2 = (p1 + p2)/2.
    const lr = 0.1;
    const every2 = await run(
      new Adam({ learningRate: lr, useEma: true, emaMomentum: 0.5, emaOverwriteFrequency: 2 }),
      2,
    );
    const plain = await run(new Adam({ learningRate: lr }), 2);
    const one = await run(new Adam({ learningRate: lr }), 1);
    for (let i = 0; i < 3; i++) expect(every2[i]).toBeCloseTo((one[i] + plain[i]) / 2, 6);
    // Without overwriting, the weights follow plain Adam exactly.
    expect(await run(new Adam({ learningRate: lr, useEma: true, emaMomentum: 0.5 }), 2)).toEqual(plain);
    expect(() => new Adam({ useEma: true, emaMomentum: 1 })).toThrow(RangeError);
    expect(() => new Adam({ useEma: true, emaOverwriteFrequency: 0.5 })).toThrow(RangeError);
  });

  it('round-trips through Keras optimizer configs, with the common options', () => {
    for (const o of [
      new Adam({ useEma: true, emaMomentum: 0.999, emaOverwriteFrequency: 100 }),
      new AdamW({ learningRate: 0.002, weightDecay: 0.01, clipnorm: 2 }),
      new Adadelta({ rho: 0.9, clipvalue: 1 }),
      new SGD({ momentum: 0.8, nesterov: true, weightDecay: 1e-4 }),
    ]) {
      const back = optimizerFromKeras(o.className, o.config());
      expect(back.className).toBe(o.className);
      expect(back.config()).toEqual(o.config());
    }
    expect(new Adam({ useEma: true }).config()).toMatchObject({ use_ema: true, ema_momentum: 0.99 });
    expect(new Adam().config()).toMatchObject({ use_ema: false, ema_overwrite_frequency: null });
    expect(() => new SGD({ clipnorm: 0 })).toThrow(RangeError);
  });
});
