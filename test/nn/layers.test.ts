import { describe, expect, it } from 'vitest';
import { createKernels, type Kernels } from '../../src/kernels/index.js';
import type { Layer } from '../../src/nn/layer.js';
import { BatchNormalization } from '../../src/nn/layers/batch-norm.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { GlobalAveragePooling2D } from '../../src/nn/layers/global-average-pooling.js';
import { MaxPooling2D } from '../../src/nn/layers/pooling.js';
import { Reshape } from '../../src/nn/layers/reshape.js';
import { Sequential } from '../../src/nn/sequential.js';

/** Known-value checks of the image layers (forward), on both backends. */

async function run(
  k: Kernels,
  layers: Layer[],
  inputShape: number[],
  input: number[],
  rows: number,
  training = false,
  setup?: (m: Sequential) => void,
): Promise<{ out: number[]; model: Sequential }> {
  const model = new Sequential(layers, { inputShape }).build(k, 1);
  setup?.(model);
  model.plan(rows, training);
  k.heap.f32(model.input, input.length).set(input);
  model.forward(rows, training);
  return { out: [...k.heap.f32(model.output, rows * model.classes)], model };
}

for (const backend of ['reference', 'wasm'] as const) {
  describe(`image layers, known values (${backend})`, () => {
    it('Conv2D: a 2×2 kernel over a 3×3 image, valid and same padding, with bias and ReLU', async () => {
      const k = await createKernels({ backend, threads: 1 });
      const image = [1, 2, 3, 4, 5, 6, 7, 8, 9];
      // kernel (kh, kw, in, out) = [[1, 0], [0, -1]] → out = x[y][x] − x[y+1][x+1], bias 0.5
      const setKernel = (m: Sequential) => {
        const conv = m.layers[0] as Conv2D;
        k.heap.f32(conv.kernel.value, 4).set([1, 0, 0, -1]);
        k.heap.f32(conv.bias!.value, 1).set([0.5]);
      };
      const valid = await run(k, [new Conv2D(1, 2)], [3, 3, 1], image, 1, false, setKernel);
      expect(valid.model.outputShape).toEqual([2, 2, 1]);
      expect(valid.out).toEqual([1 - 5 + 0.5, 2 - 6 + 0.5, 4 - 8 + 0.5, 5 - 9 + 0.5]);
      // "same" with a 2×2 kernel pads 0 before and 1 after (TensorFlow), so the last row/column see zeros.
      const same = await run(
        k,
        [new Conv2D(1, 2, { padding: 'same', activation: 'relu' })],
        [3, 3, 1],
        image,
        1,
        false,
        setKernel,
      );
      expect(same.out).toEqual([0, 0, 3.5, 0, 0, 6.5, 7.5, 8.5, 9.5]);
    });

    it('MaxPooling2D picks each window maximum per channel; GlobalAveragePooling2D averages', async () => {
      const k = await createKernels({ backend, threads: 1 });
      // 4×4 image, 2 channels: channel 0 = i, channel 1 = −i
      const input = Array.from({ length: 32 }, (_, j) => (j % 2 === 0 ? j / 2 : (1 - j) / 2));
      const pool = await run(k, [new MaxPooling2D(2)], [4, 4, 2], input, 1);
      expect(pool.out).toEqual([5, 0, 7, -2, 13, -8, 15, -10]);
      const gap = await run(k, [new GlobalAveragePooling2D()], [4, 4, 2], input, 1);
      expect(gap.out[0]).toBeCloseTo(7.5, 5);
      expect(gap.out[1]).toBeCloseTo(-7.5, 5);
      const reshaped = await run(k, [new Reshape([-1, 2]), new MaxPooling2D([2, 1])], [32], input, 1).catch((e) => e);
      expect(reshaped).toBeInstanceOf(RangeError); // (16, 2) is not an image
    });

    it('BatchNormalization: batch statistics in training, moving averages after, Keras momentum and epsilon', async () => {
      const k = await createKernels({ backend, threads: 1 });
      const bn = new BatchNormalization({ momentum: 0.9, epsilon: 1e-3 });
      // two channels over 4 rows: channel 0 = 1, 2, 3, 4 (mean 2.5, var 1.25); channel 1 = 10 each (var 0)
      const input = [1, 10, 2, 10, 3, 10, 4, 10];
      const { out, model } = await run(k, [bn], [2], input, 4, true);
      const inv = 1 / Math.sqrt(1.25 + 1e-3);
      const expected = [1, 2, 3, 4].flatMap((v) => [(v - 2.5) * inv, 0]);
      out.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
      const mm = k.heap.f32(bn.movingMean.value, 2);
      const mv = k.heap.f32(bn.movingVariance.value, 2);
      expect(mm[0]).toBeCloseTo(0.1 * 2.5, 6);
      expect(mm[1]).toBeCloseTo(0.1 * 10, 5);
      expect(mv[0]).toBeCloseTo(0.9 + 0.1 * 1.25, 6);
      expect(mv[1]).toBeCloseTo(0.9, 6);
      expect(model.trainableParams.map((p) => p.name)).toEqual(['gamma', 'beta']);
      expect(model.summary()).toContain('Non-trainable params: 4');
      // Inference uses the moving statistics: y = γ (x − mm) / √(mv + ε) + β.
      model.plan(4, false);
      k.heap.f32(model.input, 8).set(input);
      model.forward(4, false);
      const y = k.heap.f32(model.output, 8);
      expect(y[0]).toBeCloseTo((1 - mm[0]) / Math.sqrt(mv[0] + 1e-3), 5);
      expect(y[1]).toBeCloseTo((10 - mm[1]) / Math.sqrt(mv[1] + 1e-3), 4);
    });
  });
}
