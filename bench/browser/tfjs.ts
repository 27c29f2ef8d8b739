// TensorFlow.js on this page's main thread, as its MNIST demos run: the seed MLP with Keras's defaults (Glorot
// uniform, Adam 0.001, batch 128) trained batch by batch; seconds per 60,000-image epoch, measured on the whole
// epoch or, for a slow backend, on as many steps as fit in a time budget and scaled to 469 steps.
import type * as TF from '@tensorflow/tfjs';
import type * as TFWasm from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import wasmBackendScript from '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js?url';
import tfScript from '@tensorflow/tfjs/dist/tf.min.js?url';
import type { Mnist } from './mnist.js';

// TensorFlow.js's own prebuilt bundles, as its docs load them with script tags: its threaded WASM backend starts
// its pthread workers from its own source text, which a bundler's rewriting breaks (tensorflow/tfjs#4107).
function script(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}
await script(tfScript);
await script(wasmBackendScript);
const tf = (window as unknown as { tf: typeof TF & { wasm: typeof TFWasm } }).tf;
const { getThreadsCount, setThreadsCount, setWasmPaths } = tf.wasm;

setWasmPaths({
  'tfjs-backend-wasm.wasm': plainWasm,
  'tfjs-backend-wasm-simd.wasm': simdWasm,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedWasm,
});

export interface TfjsResult {
  backend: string;
  /** What the backend runs on here (SIMD, threads, the GL renderer). */
  detail: string;
  secondsPerEpoch: number;
  /** Steps timed (469 = the whole epoch). */
  steps: number;
  accuracy: number;
}

export async function tfjsEpoch(
  backend: string,
  train: Mnist,
  budgetSeconds: number,
  threads: number,
): Promise<TfjsResult> {
  if (backend === 'wasm') setThreadsCount(threads);
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is unavailable here`);
  await tf.ready();
  let detail = '';
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    detail = `${simd ? 'SIMD' : 'no SIMD'}, ${threaded ? 'threads' : 'no threads'}: ${getThreadsCount()}`;
  }
  if (backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    detail = info ? String(gl!.getParameter(info.UNMASKED_RENDERER_WEBGL)) : 'WebGL 2';
  }
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 512, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const batch = 128;
  const steps = Math.ceil(train.count / batch);
  const xs = tf.tidy(() =>
    tf.tensor2d(
      Float32Array.from(train.images, (v) => v / 255),
      [train.count, 784],
    ),
  );
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(train.labels), 'int32'), 10).toFloat());
  const slice = (step: number) => {
    const start = step * batch;
    const size = Math.min(batch, train.count - start);
    return [xs.slice([start, 0], [size, 784]), ys.slice([start, 0], [size, 10])];
  };
  // Two warm-up steps compile the kernels (shaders, WASM) before timing.
  for (let s = 0; s < 2; s++) {
    const [x, y] = slice(s);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  }
  let done = 0;
  let correct = 0;
  const t0 = performance.now();
  for (; done < steps; done++) {
    const [x, y] = slice(done);
    const [, accuracy] = (await model.trainOnBatch(x, y)) as number[];
    correct += accuracy;
    tf.dispose([x, y]);
    if ((performance.now() - t0) / 1000 > budgetSeconds) {
      done++;
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([xs, ys]);
  model.dispose();
  return { backend, detail, secondsPerEpoch: (seconds / done) * steps, steps: done, accuracy: correct / done };
}
