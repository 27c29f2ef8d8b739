// The library in the browser (digits/browser), in this Web Worker: training with the WASM engine (on threads) on
// MNIST fetched from the server as bytes, reporting every few steps; loading the shipped .h5 model; and reading
// drawings with whichever model it holds.
import {
  Adam,
  classMetrics,
  confusionMatrix,
  createKernels,
  detect,
  evaluate,
  fit,
  loadModel,
  misreadings,
  NoInkError,
  predict,
  preset,
  recognize,
  sequentialConfig,
  TrainingInterrupted,
  type DigitModel,
  type PresetName,
} from '../../dist/browser.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const post = (message: FromWorker) => postMessage(message);
let model: DigitModel | null = null;
/** Aborts the training under way (the Stop button). */
let stopping: AbortController | null = null;
/** Mistakes sent to the page: the surest ones (the page's gallery shows 40). */
const MISTAKES_SHOWN = 40;

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
  await model?.dispose();
  model = null;
  // Every core the browser offers: the page is cross-origin isolated, so the kernels' workers share the memory.
  const kernels = await createKernels({ native: false });
  const net = preset(name).build(kernels, 1).compile({ optimizer: new Adam() });
  const batchSize = 128;
  const steps = Math.ceil(count / batchSize);
  const threads = `${kernels.threads} thread${kernels.threads === 1 ? '' : 's'}`;
  post({ type: 'started', epochs, count, engine: `${kernels.name}, ${threads}` });
  const every = Math.max(1, Math.floor(steps / 40));
  let epochNow = 0;
  // The epoch's training steps alone (its seconds also count the validation pass that follows them).
  let epochStart = 0;
  let trainSeconds = 0;
  let stopped = false;
  stopping = new AbortController();
  // The model becomes the worker's once trained; until then a failure must free its kernels.
  const history = await fit(net, trainSet, {
    epochs,
    batchSize,
    validationData: testSet,
    signal: stopping.signal,
    progress: {
      epochBegin: (epoch) => {
        epochNow = epoch;
        epochStart = performance.now();
      },
      step: (step, loss, accuracy) => {
        if (step === steps) trainSeconds = (performance.now() - epochStart) / 1000;
        if (step % every === 0 || step === steps)
          post({ type: 'step', epoch: epochNow, step, steps, epochs, loss, accuracy });
      },
      epochEnd: (epoch, _epochs, logs) => post({ type: 'epoch', epoch, logs, trainSeconds }),
      close: () => {},
    },
  })
    .catch(async (err) => {
      // Stopped: the model as it stands is the result (Keras's stop_training), its epochs so far the history.
      if (err instanceof TrainingInterrupted) {
        stopped = true;
        return { epochs: err.state.history };
      }
      await kernels.dispose();
      throw err;
    })
    .finally(() => (stopping = null));
  post({ type: 'status', text: 'testing the model on MNIST test…' });
  const evaluation = evaluate(net, testSet);
  const predictions = predict(net, testSet);
  const confusion = confusionMatrix(testSet.labels, predictions.labels, 10);
  const wrong = misreadings(testSet.labels, predictions);
  const size = testSet.height * testSet.width;
  model = { network: net, metadata: null, scale: 1 / 255, shift: 0, dispose: () => kernels.dispose() };
  const weights = new Float32Array(net.paramCount);
  let at = 0;
  for (const p of net.params) {
    weights.set(kernels.heap.f32(p.value, p.size), at);
    at += p.size;
  }
  post({
    type: 'done',
    stopped,
    evaluation,
    confusion,
    classes: classMetrics(confusion),
    mistakeCount: wrong.length,
    mistakes: wrong
      .slice(0, MISTAKES_SHOWN)
      .map((m) => ({ ...m, pixels: base64(testSet.images.subarray(m.index * size, (m.index + 1) * size)) })),
    model: {
      model_config: sequentialConfig(net),
      weights: base64(new Uint8Array(weights.buffer)),
      metadata: {
        scale: 1 / 255,
        history,
        evaluation,
        recipe: {
          model: name,
          epochs: history.epochs.length,
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
    else if (m.type === 'stop') stopping?.abort();
    else if (m.type === 'load-default') {
      post({ type: 'status', text: 'loading the shipped model…' });
      await model?.dispose();
      model = null;
      model = await loadModel();
      const accuracy = model.metadata?.evaluation?.accuracy ?? null;
      post({
        type: 'loaded',
        accuracy,
        text:
          `shipped model loaded in the page (${model.network.paramCount.toLocaleString('en')} parameters` +
          (accuracy ? `, ${(accuracy * 100).toFixed(2)} % on MNIST test)` : ')'),
      });
    } else if (m.type === 'detect') {
      if (!model) throw new Error('no model in the page yet');
      const d = await detect(model, m.bytes);
      post({ type: 'detection', id: m.id, text: d.text, digits: d.digits });
    } else if (m.type === 'predict') {
      if (!model) throw new Error('no model in the page yet');
      const r = await recognize(model, { width: m.width, height: m.height, data: m.data });
      post({
        type: 'prediction',
        id: m.id,
        label: r.label,
        confidence: r.confidence,
        probabilities: r.probabilities,
        is_digit: r.isDigit,
        reason: r.reason,
        input: base64(r.input),
      });
    }
  } catch (err) {
    post({
      type: 'error',
      id: m.type === 'predict' || m.type === 'detect' ? m.id : undefined,
      message: (err as Error).message,
      status: err instanceof NoInkError ? 422 : 500,
    });
  }
};
