// A digits preset in a process of its own (so peak RSS is this run's): trains `epochs` epochs, then measures
// inference of the 10k test set and single-image latency. Prints one JSON object.
// Usage: digits_model.mjs EPOCHS THREADS [mlp|cnn|cnn-best]
import { createKernels, loadMnist, preset, Adam, fit, evaluate, predict } from '../dist/index.js';

const epochs = Number(process.argv[2] ?? 1);
const threads = Number(process.argv[3] ?? 2);
const arch = process.argv[4] ?? 'mlp';
const data = loadMnist();
const kernels = await createKernels({ threads });
const model = preset(arch).build(kernels, 1).compile({ optimizer: new Adam() });
const history = await fit(model, data.train, { epochs, batchSize: 128 });
const test = data.test;
// Inference as the library's predict does it: batches of 1000, probabilities copied out.
predict(model, test);
let t0 = performance.now();
const reps = 5;
for (let i = 0; i < reps; i++) predict(model, test);
const inferenceMs = (performance.now() - t0) / reps;
model.plan(1, false);
const one = model.stage(test.images.subarray(0, 784));
const idx1 = kernels.heap.alloc(4);
kernels.heap.i32(idx1, 1)[0] = 0;
for (let i = 0; i < 100; i++) {
  model.loadBatch(one, 0, idx1, 1, 1 / 255);
  model.forward(1, false);
}
t0 = performance.now();
for (let i = 0; i < 2000; i++) {
  model.loadBatch(one, 0, idx1, 1, 1 / 255);
  model.forward(1, false);
}
const singleUs = ((performance.now() - t0) / 2000) * 1000;
const accuracy = evaluate(model, test).accuracy;
await kernels.dispose();
console.log(
  JSON.stringify({
    epoch_seconds: history.epochs.map((e) => e.seconds),
    test_accuracy: accuracy,
    inference_10k_ms: inferenceMs,
    single_image_us: singleUs,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    backend: kernels.name,
    threads: kernels.threads,
  }),
);
