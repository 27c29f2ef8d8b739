// npm run bench: digits against its peers in the same run (numpy+OpenBLAS for GEMM, PyTorch CPU for the seed
// MLP, the Keras convnet and cnn-best), printed as a table and appended as a dated row to bench/results.md. Peers are skipped when their
// Python modules are missing (Debian: apt-get install python3-numpy python3-torch).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mnistDataDir } from '../dist/data/index.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SHAPES = ['128,784,512', '128,512,512', '784,128,512', '512,128,512', '128,512,10'];
const epochs = Number(process.env.BENCH_EPOCHS ?? 2);
const cnnEpochs = Number(process.env.BENCH_CNN_EPOCHS ?? 1);

function json(cmd, args, env = {}) {
  const out = execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
  return JSON.parse(out.trim().split('\n').pop());
}

/** A python3 that can import the module, or null. */
function pythonWith(module) {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

const rows = [];
const line = (s) => {
  console.log(s);
  rows.push(s);
};

line(`\n## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
line('\n| GEMM (M,K,N) GFLOP/s | digits 1T | digits 2T | numpy 1T | numpy 2T | digits/numpy 2T |');
line('|---|---|---|---|---|---|');
const d1 = json('node', [here('./gemm.mjs'), '1', 'relaxed', ...SHAPES]);
const d2 = json('node', [here('./gemm.mjs'), '2', 'relaxed', ...SHAPES]);
const py = pythonWith('numpy');
const n1 = py
  ? json(py, [here('./peers/numpy_gemm.py'), ...SHAPES], { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' })
  : null;
const n2 = py
  ? json(py, [here('./peers/numpy_gemm.py'), ...SHAPES], { OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '2' })
  : null;
const f = (v) => (v === undefined || v === null ? '–' : v.toFixed(1));
for (const s of SHAPES) {
  const ratio = n2 ? `${((d2.gflops[s] / n2[s]) * 100).toFixed(0)} %` : '–';
  line(`| ${s} | ${f(d1.gflops[s])} | ${f(d2.gflops[s])} | ${f(n1?.[s])} | ${f(n2?.[s])} | ${ratio} |`);
}

const mnist = mnistDataDir();
const tpy = pythonWith('torch');
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const r = (a, b) => (b ? `${(a / b).toFixed(2)}` : '–');
let engine = '';
for (const [arch, title, n] of [
  ['mlp', 'seed MLP', epochs],
  ['cnn', 'Keras convnet (cnn)', cnnEpochs],
  ['cnn-best', 'batch-normalized CNN (cnn-best, no augmentation)', cnnEpochs],
]) {
  const dm = json('node', [here('./digits_model.mjs'), String(n), '2', arch]);
  const tm = tpy ? json(tpy, [here('./peers/torch_model.py'), mnist, String(n), '2', arch]) : null;
  engine = `${dm.backend}, ${dm.threads} threads`;
  line(
    `\n| ${title} (${n} epoch${n > 1 ? 's' : ''}, batch 128, Adam, 2 threads) | digits | PyTorch CPU | digits / PyTorch |`,
  );
  line('|---|---|---|---|');
  const dE = mean(dm.epoch_seconds);
  const tE = tm ? mean(tm.epoch_seconds) : null;
  line(`| seconds per epoch | ${dE.toFixed(2)} | ${tE?.toFixed(2) ?? '–'} | ${r(dE, tE)} |`);
  line(
    `| peak RSS (MB) | ${dm.peak_rss_mb.toFixed(0)} | ${tm?.peak_rss_mb.toFixed(0) ?? '–'} | ${r(dm.peak_rss_mb, tm?.peak_rss_mb)} |`,
  );
  line(
    `| inference, 10k test images (ms) | ${dm.inference_10k_ms.toFixed(1)} | ${tm?.inference_10k_ms.toFixed(1) ?? '–'} | ${r(dm.inference_10k_ms, tm?.inference_10k_ms)} |`,
  );
  line(
    `| single-image latency (µs) | ${dm.single_image_us.toFixed(0)} | ${tm?.single_image_us.toFixed(0) ?? '–'} | ${r(dm.single_image_us, tm?.single_image_us)} |`,
  );
  line(
    `| test accuracy after ${n} epoch${n > 1 ? 's' : ''} | ${(dm.test_accuracy * 100).toFixed(2)} % | ${tm ? (tm.test_accuracy * 100).toFixed(2) + ' %' : '–'} | |`,
  );
}
line(`\nEngine: ${engine}; node ${process.version}.`);
const results = here('./results.md');
if (!existsSync(results))
  appendFileSync(
    results,
    '# Benchmark results\n\nAppended by `npm run bench`; each section is one run on the machine it names.\n',
  );
appendFileSync(results, rows.join('\n') + '\n');
