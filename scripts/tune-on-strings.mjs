// Second stage of `npm run train:default`: fine-tunes the shipped model on digits as detect() sees them. The
// first stage trains on MNIST's centred 28×28 digits; a digit cut out of a photo of a written number has been
// drawn slanted, thickened or thinned, blurred, JPEG-compressed, thresholded and cropped, and reads differently.
// So detect()'s own whole-digit candidates on synthetic strings made from the MNIST *training* digits
// (bench-detect uses the test digits), labelled by where their ink came from (src/vision/verifier-data.ts), are
// mixed with MNIST's training set for a few epochs at a low rate. Every fourth string is written with a pen in the
// styles MNIST's writers rarely use (upright and flagged 1s, barred 7s, open 4s and 9s, hollow and double strokes:
// src/data/drawn-digits.ts). Seeded: the same command gives the same file.
// Usage: node scripts/tune-on-strings.mjs [in=models/default.h5] [out=models/default.h5] [strings=12000] [epochs=4]
import { Adam, data, evaluate, fit, layers, loadMnist, loadModelFile, saveModelFile } from '../dist/index.js';
import { forEachStringCandidates } from './string-candidates.mjs';

const { AUGMENT_PRESETS, makeAugmenter } = data;
const { Rng } = layers;

const input = process.argv[2] ?? 'models/default.h5';
const out = process.argv[3] ?? 'models/default.h5';
const strings = Number(process.argv[4] ?? 12000);
const epochs = Number(process.argv[5] ?? 4);
const { train, test } = loadMnist();
/** Every DRAWN-th string is written in the drawn styles MNIST lacks (src/data/drawn-digits.ts). */
const DRAWN = 4;

const started = performance.now();
const crops = [];
const labels = [];
await forEachStringCandidates(
  train,
  9_000_011,
  0,
  strings,
  (e, s) =>
    e.labels.forEach((whole, k) => {
      if (whole !== 1 || e.digits[k] < 0) return;
      crops.push(e.digitViews[k]);
      labels.push(Number(s.text[e.digits[k]]));
    }),
  { drawn: DRAWN },
);
const count = train.count + crops.length;
const images = new Uint8Array(count * 784);
images.set(train.images);
crops.forEach((c, i) => images.set(c, (train.count + i) * 784));
const mixed = { images, labels: Uint8Array.from([...train.labels, ...labels]), count, height: 28, width: 28 };
console.log(
  `${crops.length} digits cut from ${strings} strings, mixed with ${train.count} MNIST digits; ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s`,
);

const { model, metadata } = await loadModelFile(input);
const before = evaluate(model, test).accuracy;
const learningRate = 1e-4;
model.compile({ optimizer: new Adam({ learningRate }) });
model.rng = new Rng(7); // shuffling, dropout and augmentation
const history = await fit(model, mixed, {
  epochs,
  batchSize: 128,
  validationData: test,
  schedule: { kind: 'cosine', min: 1e-5 },
  augment: makeAugmenter(AUGMENT_PRESETS.robust, 28, 28),
});
const evaluation = evaluate(model, test);
console.log(
  `MNIST test accuracy ${(before * 100).toFixed(2)} % → ${(evaluation.accuracy * 100).toFixed(2)} % ` +
    `(${history.epochs.map((e) => e.seconds.toFixed(0)).join(' + ')} s)`,
);
await saveModelFile(model, out, {
  ...metadata,
  recipe: {
    ...metadata?.recipe,
    tuned_on_strings: {
      script: 'scripts/tune-on-strings.mjs',
      strings,
      drawn: DRAWN,
      digits: crops.length,
      epochs,
      learningRate,
    },
  },
  evaluation: { loss: evaluation.loss, accuracy: evaluation.accuracy, count: test.count },
});
await model.kernels.dispose();
console.log(`wrote ${out}`);
