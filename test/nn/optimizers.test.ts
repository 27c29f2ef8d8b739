import { describe, expect, it } from 'vitest';
import { createKernels, type Kernels } from '../../src/kernels/index.js';
import { allocParam, type Param } from '../../src/nn/layer.js';
import { Adam, RMSprop, SGD, type Optimizer } from '../../src/nn/optimizers/index.js';

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
});
