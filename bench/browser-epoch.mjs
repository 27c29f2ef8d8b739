// npm run bench:browser: seconds per 60,000-image epoch of the seed MLP in Debian's Chromium, our engine (in a Web
// Worker, 1 thread and every core) against TensorFlow.js (wasm with SIMD and threads, webgl, cpu) in the same run.
// Builds bench/browser with Vite, serves it with digits' server (cross-origin isolated), prints a table and appends
// it to bench/results.md. Options: --count N (training images, default 60000), --budget S (seconds a slow backend
// is timed for before its epoch is extrapolated, default 30).
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { buildServer } from '../dist/server/app.js';
import { loadModel } from '../dist/vision/model.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const count = Number(arg('count', 60000));
const budget = Number(arg('budget', 30));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

await build({ configFile: here('./browser/vite.config.ts') });
const model = await loadModel(undefined, { threads: 1 });
const app = await buildServer({ model, webRoot: here('./browser/dist') });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--enable-unsafe-swiftshader'],
});
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error(`  page: ${m.text()}`));
  const failed = new Promise((_, reject) =>
    page.on('pageerror', (e) => reject(new Error(`the bench page: ${e.message}`))),
  );
  await page.goto(`${url}?count=${count}&budget=${budget}`);
  await Promise.race([
    page.waitForFunction(() => 'results' in globalThis, null, { timeout: 30 * 60_000, polling: 1000 }),
    failed,
  ]);
  const results = await page.evaluate(() => globalThis.results);
  const version = await browser.version();
  const best = (r) => Math.min(...r.seconds);
  const ours = results.digits.at(-1);
  const tfjsTimes = results.tfjs.filter((r) => !r.error).map((r) => r.secondsPerEpoch);
  const fastestTfjs = tfjsTimes.length ? Math.min(...tfjsTimes) : null;
  const rows = [
    `\n## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: training in the browser (Chromium ${version})`,
    `\n| seed MLP, one epoch of ${count.toLocaleString('en')} images, batch 128, Adam | s per epoch | vs digits (all cores) |`,
    '|---|---|---|',
  ];
  for (const r of results.digits)
    rows.push(
      `| digits: ${r.engine}, in a Web Worker | ${best(r).toFixed(2)} | ${(best(r) / best(ours)).toFixed(2)}× |`,
    );
  for (const r of results.tfjs) {
    if (r.error) rows.push(`| TensorFlow.js ${r.backend} | unavailable: ${r.error} | |`);
    else {
      const timed = r.steps < Math.ceil(count / 128) ? ` (${r.steps} steps timed)` : '';
      rows.push(
        `| TensorFlow.js ${r.backend} (${r.detail}), page thread | ${r.secondsPerEpoch.toFixed(2)}${timed} | ${(r.secondsPerEpoch / best(ours)).toFixed(1)}× |`,
      );
    }
  }
  if (fastestTfjs)
    rows.push(`\nTensorFlow.js's fastest backend here takes ${(fastestTfjs / best(ours)).toFixed(1)}× our time.`);
  const table = rows.join('\n');
  console.log(table);
  appendFileSync(here('./results.md'), table + '\n');
  console.log(JSON.stringify({ count, digits: results.digits, tfjs: results.tfjs, chromium: version }));
} finally {
  await browser.close();
  await app.close();
  await model.dispose();
}
