// npm run bench:serve — a bounded load test of POST /api/recognize on loopback: the real server (shipped model, or
// --model FILE), autocannon with fixed connections and duration, one MNIST test digit as JSON pixels per request.
// Prints throughput, latency percentiles and error counts, and the JSON summary as the last line.
import autocannon from 'autocannon';
import { loadMnist, loadModel } from '../dist/index.js';
import { buildServer } from '../dist/server/app.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const duration = Number(arg('duration', 10));
const connections = Number(arg('connections', 8));
const modelFile = arg('model', undefined);

const model = await loadModel(modelFile);
const app = await buildServer({ model, limits: { concurrency: connections } });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const test = loadMnist().test;
const pixels = Array.from({ length: 28 }, (_, y) => Array.from(test.images.subarray(y * 28, y * 28 + 28)));

const result = await autocannon({
  url: `${url}/api/recognize`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ pixels }),
  connections,
  duration,
});
await app.close();
await model.dispose();

const summary = {
  endpoint: 'POST /api/recognize (28×28 JSON pixels)',
  model: modelFile ?? 'shipped default',
  connections,
  duration_s: duration,
  requests: result.requests.total,
  requests_per_s: result.requests.average,
  latency_ms: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
};
console.log(
  `${summary.requests} requests in ${duration} s over ${connections} connections: ${summary.requests_per_s.toFixed(0)} req/s, ` +
    `latency p50 ${summary.latency_ms.p50} ms, p99 ${summary.latency_ms.p99} ms; errors ${summary.errors}, ` +
    `timeouts ${summary.timeouts}, non-2xx ${summary.non2xx}`,
);
console.log(JSON.stringify(summary));
if (summary.errors || summary.timeouts || summary.non2xx) process.exitCode = 1;
