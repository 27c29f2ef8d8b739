// npm run bench:serve — the HTTP server under load, on loopback, as a separate process (`digits serve`, the shipped
// model unless --model FILE), its memory read from /proc:
//   1. throughput: autocannon, fixed connections, one MNIST test digit as JSON pixels per POST /api/recognize;
//   2. a burst of 30 concurrent image bombs (a 5000×5000 PNG of lines, under the pixel limit), /healthz polled;
//   3. a burst of 30 concurrent 20 MB bodies (over the 10 MiB limit): every client should read a 413;
//   4. a soak (--soak S seconds, default 600; 0 skips): good, bad and bomb requests mixed over 8 connections.
// Prints each part and the JSON summary as the last line; exits 1 on a reset connection, an unexpected 5xx, or
// memory at the soak's end over 110 % of its middle.
import autocannon from 'autocannon';
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import sharp from 'sharp';
import { data, loadMnist } from '../dist/index.js';

const { digitString } = data;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const duration = Number(arg('duration', 10));
const connections = Number(arg('connections', 8));
const soakSeconds = Number(arg('soak', 600));
const modelFile = arg('model', undefined);

// The server, as a user starts it.
const server = spawn(
  process.execPath,
  ['bin/digits.js', 'serve', '--port', '0', '--json', ...(modelFile ? ['--model', modelFile] : [])],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (line) resolve(JSON.parse(line).url);
  });
  server.on('exit', (code) => reject(new Error(`digits serve exited with ${code}`)));
});
const { hostname, port } = new URL(url);
/** The server's resident memory now and at its peak, in MB. */
const memory = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const kb = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))[1]);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
};

/** One request on its own connection: status (or the error code of a reset), and milliseconds. */
function send(method, path, headers, body) {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status) => resolve({ status, ms: performance.now() - started });
    const req = request({ host: hostname, port, path, method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
      res.on('error', (e) => done(e.code));
    });
    req.on('error', (e) => done(e.code));
    req.end(body);
  });
}
const post = (path, type, body) => send('POST', path, { 'content-type': type, 'content-length': body.length }, body);
const countOf = (statuses) => statuses.reduce((c, s) => ({ ...c, [s]: (c[s] ?? 0) + 1 }), {});
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]) : null;
};

/** Polls /healthz every 50 ms while `work` runs; the worst answer time. */
async function whileHealthPolled(work) {
  let worst = 0;
  let running = true;
  const poll = (async () => {
    while (running) {
      const r = await send('GET', '/healthz', {});
      worst = Math.max(worst, r.status === 200 ? r.ms : Infinity);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const result = await work();
  running = false;
  await poll;
  return { result, healthzWorstMs: Math.round(worst) };
}

// Inputs.
const test = loadMnist().test;
const pixels = Array.from({ length: 28 }, (_, y) => Array.from(test.images.subarray(y * 28, y * 28 + 28)));
const json = Buffer.from(JSON.stringify({ pixels }));
const s = digitString(test, 11, { length: 5, height: [40, 60] });
const numberPng = await sharp(s.data, { raw: { width: s.width, height: s.height, channels: 1 } })
  .png()
  .toBuffer();
let seed = 1;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const lines = Array.from(
  { length: 300 },
  () =>
    `<line x1="${(random() * 5000) | 0}" y1="${(random() * 5000) | 0}" x2="${(random() * 5000) | 0}" ` +
    `y2="${(random() * 5000) | 0}" stroke="black" stroke-width="${(2 + random() * 20) | 0}"/>`,
).join('');
const bomb = await sharp(
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="5000" height="5000"><rect width="5000" height="5000" ` +
      `fill="white"/>${lines}</svg>`,
  ),
)
  .greyscale()
  .png({ compressionLevel: 9, palette: true, colours: 2 })
  .toBuffer();
const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#fff' } })
  .png()
  .toBuffer();
const huge = Buffer.alloc(20 * 1024 * 1024, 7);
const summary = { model: modelFile ?? 'shipped default', memory_mb: { start: memory() } };

// 1. Throughput.
const load = await autocannon({
  url: `${url}/api/recognize`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: json,
  connections,
  duration,
});
summary.throughput = {
  endpoint: 'POST /api/recognize (28×28 JSON pixels)',
  connections,
  duration_s: duration,
  requests: load.requests.total,
  requests_per_s: load.requests.average,
  latency_ms: { p50: load.latency.p50, p90: load.latency.p90, p99: load.latency.p99, max: load.latency.max },
  errors: load.errors,
  non2xx: load.non2xx,
};
console.log(
  `throughput: ${load.requests.total} requests in ${duration} s over ${connections} connections, ` +
    `${load.requests.average.toFixed(0)} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms; ` +
    `errors ${load.errors}, non-2xx ${load.non2xx}`,
);

// 2–3. Bursts.
for (const [name, path, body] of [
  ['bombs', '/api/detect', bomb],
  ['oversized', '/api/detect', huge],
]) {
  const before = memory().rss;
  const { result, healthzWorstMs } = await whileHealthPolled(() =>
    Promise.all(Array.from({ length: 30 }, () => post(path, 'image/png', body))),
  );
  const burst = {
    body_bytes: body.length,
    statuses: countOf(result.map((r) => r.status)),
    healthz_worst_ms: healthzWorstMs,
    rss_mb_before: before,
    peak_rss_mb: memory().peak,
  };
  summary[name] = burst;
  console.log(`30 concurrent ${name} (${(body.length / 1e6).toFixed(2)} MB each): ${JSON.stringify(burst)}`);
}

// 4. Soak.
if (soakSeconds > 0) {
  const kinds = [
    ['good: recognize JSON', () => post('/api/recognize', 'application/json', json), true],
    ['good: detect PNG', () => post('/api/detect', 'image/png', numberPng), true],
    ['good: recognize PNG', () => post('/api/recognize', 'application/x-www-form-urlencoded', numberPng), true],
    ['good: blank', () => post('/api/recognize', 'image/png', blank), true],
    ['bad: not an image', () => post('/api/recognize', 'image/png', Buffer.from('not an image at all')), false],
    ['bad: wrong method', () => send('GET', '/api/detect', {}), false],
    ['bad: broken JSON', () => post('/api/recognize', 'application/json', Buffer.from('{"pix')), false],
    ['bad: oversized', () => post('/api/recognize', 'image/png', huge.subarray(0, 12 * 1024 * 1024)), false],
    ['bomb', () => post('/api/detect', 'image/png', bomb), false],
  ];
  const statuses = [];
  const goodMs = [];
  const rss = [];
  const end = performance.now() + soakSeconds * 1000;
  const sampler = setInterval(() => rss.push(memory().rss), 1000);
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const [, run, good] = kinds[next++ % kinds.length];
        const r = await run();
        statuses.push(r.status);
        if (good && r.status === 200) goodMs.push(r.ms);
      }
    }),
  );
  clearInterval(sampler);
  const at = (k) => rss[Math.min(rss.length - 1, Math.floor((k * rss.length) / 2))];
  summary.soak = {
    seconds: soakSeconds,
    connections,
    requests: statuses.length,
    statuses: countOf(statuses),
    unexpected_5xx: statuses.filter((c) => typeof c === 'number' && c >= 500 && c !== 503).length,
    resets: statuses.filter((c) => typeof c !== 'number').length,
    good_latency_ms: { p50: percentile(goodMs, 0.5), p99: percentile(goodMs, 0.99), count: goodMs.length },
    rss_mb: { start: rss[0], middle: at(1), end: at(2), peak: memory().peak },
  };
  console.log(`soak: ${JSON.stringify(summary.soak)}`);
}
summary.memory_mb.end = memory();
server.kill('SIGTERM');
console.log(JSON.stringify(summary));
const failed =
  summary.throughput.errors ||
  summary.throughput.non2xx ||
  Object.keys(summary.oversized.statuses).some((s) => s !== '413') ||
  (summary.soak &&
    (summary.soak.unexpected_5xx || summary.soak.resets || summary.soak.rss_mb.end > 1.1 * summary.soak.rss_mb.middle));
if (failed) process.exitCode = 1;
