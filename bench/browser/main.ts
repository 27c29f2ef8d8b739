// The bench page: our engine in a worker (1 thread, then every core), then TensorFlow.js's backends on this page;
// the results go to window.results for bench/browser-epoch.mjs.
import { mnistTrain } from './mnist.js';
import { tfjsEpoch, type TfjsResult } from './tfjs.js';

interface DigitsResult {
  engine: string;
  seconds: number[];
  accuracy: number;
}

const params = new URLSearchParams(location.search);
const count = Number(params.get('count') ?? 60000);
const budget = Number(params.get('budget') ?? 30);
const cores = navigator.hardwareConcurrency;
const log = (s: string) => {
  document.getElementById('log')!.textContent += s + '\n';
  console.log(s);
};

function digits(threads: number): Promise<DigitsResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./digits-worker.ts', import.meta.url), { type: 'module' });
    worker.onerror = (e) => reject(new Error(`the digits worker failed: ${e.message}`));
    worker.onmessage = (e) => {
      worker.terminate();
      if (e.data.error) reject(new Error(e.data.error));
      else resolve(e.data);
    };
    worker.postMessage({ threads, count, epochs: 2 });
  });
}

const results: { digits: DigitsResult[]; tfjs: (TfjsResult | { backend: string; error: string })[] } = {
  digits: [],
  tfjs: [],
};
try {
  for (const threads of [1, cores]) {
    const r = await digits(threads);
    log(`digits (${r.engine}): ${r.seconds.map((s) => s.toFixed(2)).join(', ')} s per epoch`);
    results.digits.push(r);
  }
  const train = await mnistTrain(count);
  for (const backend of ['wasm', 'webgl', 'cpu']) {
    try {
      const r = await tfjsEpoch(backend, train, budget, cores);
      log(
        `TensorFlow.js ${backend} (${r.detail}): ${r.secondsPerEpoch.toFixed(2)} s per epoch (${r.steps} steps timed)`,
      );
      results.tfjs.push(r);
    } catch (err) {
      log(`TensorFlow.js ${backend}: ${(err as Error).message}`);
      results.tfjs.push({ backend, error: (err as Error).message });
    }
  }
} catch (err) {
  log(`failed: ${(err as Error).message}`);
}
(window as unknown as { results: unknown }).results = results;
