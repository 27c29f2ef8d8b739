import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { loadModelFile } from '../../src/io/model-file.js';
import { onnxBytes, toOnnx } from '../../src/io/onnx.js';
import { createKernels } from '../../src/kernels/index.js';
import { BatchNormalization } from '../../src/nn/layers/batch-norm.js';
import { Conv2D } from '../../src/nn/layers/conv2d.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { GlobalAveragePooling2D } from '../../src/nn/layers/global-average-pooling.js';
import { ActivationLayer } from '../../src/nn/layers/activation.js';
import { AveragePooling2D, MaxPooling2D } from '../../src/nn/layers/pooling.js';
import { Reshape } from '../../src/nn/layers/reshape.js';
import { Adam } from '../../src/nn/optimizers/index.js';
import { preset } from '../../src/nn/presets.js';
import { Sequential } from '../../src/nn/sequential.js';
import { fixture, hasShared } from '../helpers/fixtures.js';

/** The real Keras files and photos of ../shared/fixtures (skipped, saying so, where they are missing). */
const KERAS = hasShared('fixtures', 'keras');

const mnist = loadMnist();

/** The model's raw output (probabilities or logits) for the first n test images, computed by digits. */
function digitsOutput(model: Sequential, n: number): Float32Array {
  const k = model.kernels;
  const batch = 500;
  model.plan(batch, false);
  const images = model.stage(mnist.test!.images.subarray(0, n * 784));
  const idx = k.heap.alloc(n * 4);
  k.heap.i32(idx, n).set(Array.from({ length: n }, (_, i) => i));
  const out = new Float32Array(n * model.classes);
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    model.loadBatch(images, 0, idx + start * 4, rows, 1 / 255);
    model.forward(rows, false);
    out.set(k.heap.f32(model.output, rows * model.classes), start * model.classes);
  }
  return out;
}

/** The same through ONNX Runtime. */
async function onnxOutput(model: Sequential, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnxBytes(model));
  const x = Float32Array.from(mnist.test!.images.subarray(0, n * 784), (v) => v / 255);
  const result = await session.run({ input: new ort.Tensor('float32', x, [n, ...model.inputShape]) });
  return result.output.data as Float32Array;
}

function compare(a: Float32Array, b: Float32Array, classes: number): { maxDiff: number; argmaxDiffers: number } {
  let maxDiff = 0;
  let argmaxDiffers = 0;
  for (let i = 0; i < a.length / classes; i++) {
    let ia = 0;
    let ib = 0;
    for (let j = 0; j < classes; j++) {
      const o = i * classes + j;
      maxDiff = Math.max(maxDiff, Math.abs(a[o] - b[o]));
      if (a[o] > a[i * classes + ia]) ia = j;
      if (b[o] > b[i * classes + ib]) ib = j;
    }
    if (ia !== ib) argmaxDiffers++;
  }
  return { maxDiff, argmaxDiffers };
}

/** A few training steps, so batch-norm statistics and weights are not at their initial values. */
function step(model: Sequential, steps = 3): void {
  model.compile({ optimizer: new Adam() });
  model.plan(32, true);
  const images = model.stage(mnist.train!.images.subarray(0, 32 * 784));
  const labels = model.stage(mnist.train!.labels!.subarray(0, 32));
  const idx = model.kernels.heap.alloc(32 * 4);
  model.kernels.heap.i32(idx, 32).set(Array.from({ length: 32 }, (_, i) => i));
  model.loadBatch(images, labels, idx, 32, 1 / 255);
  for (let i = 0; i < steps; i++) model.trainStep(32);
}

describe('ONNX export, checked by ONNX Runtime', () => {
  it.skipIf(!KERAS)(
    'a real Keras convnet: same argmax on all 10,000 test images, probabilities within 1e-4',
    async () => {
      const { model } = await loadModelFile(fixture('keras/kiljaeden_mnist.h5'), { threads: 1 });
      try {
        const r = compare(await onnxOutput(model, 10_000), digitsOutput(model, 10_000), 10);
        expect(r.argmaxDiffers).toBe(0);
        expect(r.maxDiff).toBeLessThan(1e-4);
      } finally {
        await model.kernels.dispose();
      }
    },
  );

  it('cnn-best (strided "same" convolutions, batch norm) after training steps, and the seed MLP', async () => {
    for (const name of ['cnn-best', 'mlp'] as const) {
      const model = preset(name).build(await createKernels({ threads: 1 }), 2);
      step(model);
      const r = compare(await onnxOutput(model, 2000), digitsOutput(model, 2000), 10);
      expect(r.argmaxDiffers, name).toBe(0);
      expect(r.maxDiff, name).toBeLessThan(1e-4);
      await model.kernels.dispose();
    }
  });

  it('Reshape, odd "same" pooling, GlobalAveragePooling2D, batch norm on a flat tensor, Activation layers', async () => {
    const model = new Sequential(
      [
        new Reshape([28, 28, 1]),
        new Conv2D(8, 3, { strides: 2, padding: 'same', activation: 'relu' }),
        new MaxPooling2D(3, { strides: 2, padding: 'same' }),
        new BatchNormalization(),
        new AveragePooling2D(2, { strides: 1, padding: 'same' }),
        new Conv2D(12, [2, 3], { useBias: false }),
        new ActivationLayer('relu'),
        new GlobalAveragePooling2D(),
        new BatchNormalization(),
        new Dense(10, { useBias: false }),
        new ActivationLayer('softmax'),
      ],
      { inputShape: [784] },
    ).build(await createKernels({ threads: 1 }), 4);
    step(model, 5);
    const r = compare(await onnxOutput(model, 1000), digitsOutput(model, 1000), 10);
    expect(r.argmaxDiffers).toBe(0);
    expect(r.maxDiff).toBeLessThan(1e-4);
    // Our protobuf writer gives, byte for byte, what protobufjs (onnx-proto's generated code) writes for the same
    // graph: every field kind (int64 shape initializer, negative int attribute, floats, packed ints, raw weights).
    const { ModelProto } = onnxProto.onnx;
    const reference = ModelProto.encode(ModelProto.create(toOnnx(model, { scale: 0.5, shift: -1 }))).finish();
    expect(Buffer.from(onnxBytes(model, { scale: 0.5, shift: -1 })).equals(Buffer.from(reference))).toBe(true);
    await model.kernels.dispose();
  });

  it.skipIf(!KERAS)(
    'writes a valid opset-13 model with a symbolic batch and the input scaling as metadata',
    async () => {
      const { model } = await loadModelFile(fixture('keras/dig94_keras_mnist.h5'), { threads: 1 });
      try {
        const m = onnxProto.onnx.ModelProto.decode(onnxBytes(model, { scale: 1 / 255 }));
        expect(Number(m.opsetImport[0].version)).toBe(13);
        expect(m.producerName).toBe('digits');
        const dims = m.graph!.input![0].type!.tensorType!.shape!.dim!;
        expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 28, 28]);
        expect(m.metadataProps.find((p) => p.key === 'input_scale')?.value).toBe(String(1 / 255));
        // dig94 ends in a linear layer: the graph returns its logits, as the model does.
        const r = compare(await onnxOutput(model, 1000), digitsOutput(model, 1000), 10);
        expect(r.maxDiff).toBeLessThan(1e-4);
      } finally {
        await model.kernels.dispose();
      }
    },
  );
});
