// Training in the browser: the library's own WASM engine (one thread) in this Web Worker, MNIST fetched from the
// server as bytes. It reports every few steps, and afterwards reads drawings with the model it trained.
import { sequentialConfig } from '../../src/io/keras-config.js';
import { createKernels } from '../../src/kernels/index.js';
import { Adam } from '../../src/nn/optimizers/index.js';
import { preset, type PresetName } from '../../src/nn/presets.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { evaluate, predict } from '../../src/train/evaluate.js';
import { fit } from '../../src/train/fit.js';
import { preprocess } from '../../src/vision/preprocess.js';
import type { ToWorker } from './worker-protocol.js';

const post = (message: unknown) => postMessage(message);
let model: Sequential | null = null;

async function mnist(split: 'train' | 'test', count: number) {
  const res = await fetch(`/api/mnist/${split}?count=${count}`);
  if (!res.ok) throw new Error(`MNIST ${split}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const n = Number(res.headers.get('x-count'));
  const height = Number(res.headers.get('x-height'));
  const width = Number(res.headers.get('x-width'));
  const pixels = n * height * width;
  if (bytes.length !== pixels + n) throw new Error(`MNIST ${split}: ${bytes.length} bytes, expected ${pixels + n}`);
  return { count: n, height, width, images: bytes.subarray(0, pixels), labels: bytes.subarray(pixels) };
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function train(name: PresetName, epochs: number, count: number, testCount: number): Promise<void> {
  post({ type: 'status', text: 'loading MNIST…' });
  const [trainSet, testSet] = await Promise.all([mnist('train', count), mnist('test', testCount)]);
  if (model) await model.kernels.dispose();
  const kernels = await createKernels({ threads: 1, native: false });
  const net = preset(name).build(kernels, 1).compile({ optimizer: new Adam() });
  model = net;
  post({ type: 'status', text: `training ${name} on ${count} images (${kernels.name})…` });
  const batchSize = 128;
  const steps = Math.ceil(count / batchSize);
  const every = Math.max(1, Math.floor(steps / 40));
  let epochNow = 0;
  const history = await fit(net, trainSet, {
    epochs,
    batchSize,
    validationData: testSet,
    progress: {
      epochBegin: (epoch) => (epochNow = epoch),
      step: (step, loss, accuracy) => {
        if (step % every === 0 || step === steps)
          post({ type: 'step', epoch: epochNow, step, steps, epochs, loss, accuracy });
      },
      epochEnd: (epoch, _epochs, logs) => post({ type: 'epoch', epoch, logs }),
      close: () => {},
    },
  });
  const evaluation = evaluate(net, testSet);
  const weights = new Float32Array(net.paramCount);
  let at = 0;
  for (const p of net.params) {
    weights.set(kernels.heap.f32(p.value, p.size), at);
    at += p.size;
  }
  post({
    type: 'done',
    evaluation,
    model: {
      model_config: sequentialConfig(net),
      weights: base64(new Uint8Array(weights.buffer)),
      metadata: {
        scale: 1 / 255,
        history,
        evaluation,
        recipe: {
          model: name,
          epochs,
          batch_size: batchSize,
          optimizer: 'adam',
          train_images: count,
          where: 'browser',
        },
      },
    },
  });
}

onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    if (m.type === 'train') await train(m.preset, m.epochs, m.count, m.testCount);
    else if (m.type === 'predict') {
      if (!model) throw new Error('no model trained yet');
      const pre = preprocess({ width: m.width, height: m.height, channels: 4, data: m.data });
      const p = predict(model, { count: 1, height: 28, width: 28, images: pre.pixels, labels: null });
      const probabilities = Array.from(p.probabilities.subarray(0, p.classes));
      post({ type: 'prediction', id: m.id, label: p.labels[0], confidence: probabilities[p.labels[0]], probabilities });
    }
  } catch (err) {
    post({ type: 'error', id: m.type === 'predict' ? m.id : undefined, message: (err as Error).message });
  }
};
