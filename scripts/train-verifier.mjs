// Trains the segmentation verifier shipped as models/verifier.h5 (`npm run train:verifier`): detect()'s own
// candidates on synthetic strings made from the MNIST *training* digits (bench-detect uses the test digits), with
// touching pairs twice as common as bench-detect's, every third image JPEG-compressed as bench-detect does, and
// every eighth a photo of a number written with a pen on paper (src/data/scenes.ts, as bench-real makes them but
// from the training digits, smaller and with other seeds), each candidate labelled one whole digit or not by
// where its ink came from (src/vision/verifier-data.ts). The network is the `cnn` preset on 28×56 inputs
// (digit view | context view) with 2 classes. Seeded: the same command gives the same file.
// Usage: node scripts/train-verifier.mjs [strings=16000] [epochs=12] [out=models/verifier.h5]
import { Adam, createKernels, evaluate, fit, loadMnist, preset, saveModelFile } from '../dist/index.js';
import { forEachStringCandidates } from './string-candidates.mjs';

const strings = Number(process.argv[2] ?? 16000);
/** Every SCENES-th example image is a photo of a number on paper. */
const SCENES = 8;
const epochs = Number(process.argv[3] ?? 12);
const out = process.argv[4] ?? 'models/verifier.h5';
const train = loadMnist().train;

async function examples(from, count) {
  const inputs = [];
  const labels = [];
  await forEachStringCandidates(
    train,
    7_000_003,
    from,
    count,
    (e) => {
      inputs.push(...e.inputs);
      labels.push(...e.labels);
    },
    SCENES,
  );
  const images = new Uint8Array(inputs.length * 28 * 56);
  inputs.forEach((x, i) => images.set(x, i * 28 * 56));
  return { images, labels: Uint8Array.from(labels), count: inputs.length, height: 28, width: 56 };
}

const started = performance.now();
const held = Math.round(strings * 0.1);
const trainSet = await examples(0, strings - held);
const valSet = await examples(strings - held, held);
const whole = trainSet.labels.reduce((a, b) => a + b, 0);
console.log(
  `${trainSet.count} training candidates (${whole} whole digits) from ${strings - held} strings, ` +
    `${valSet.count} validation from ${held}; ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
const kernels = await createKernels();
const model = preset('cnn', 2, [28, 56]).build(kernels, 1).compile({ optimizer: new Adam() });
const history = await fit(model, trainSet, { epochs, batchSize: 128, validationData: valSet });
const evaluation = evaluate(model, valSet);
console.log(`validation accuracy ${(evaluation.accuracy * 100).toFixed(2)} %`);
await saveModelFile(model, out, {
  scale: 1 / 255,
  history,
  recipe: {
    purpose: 'segmentation verifier',
    preset: 'cnn',
    input: [28, 56],
    strings,
    scenes: SCENES,
    epochs,
    batchSize: 128,
  },
  evaluation: { loss: evaluation.loss, accuracy: evaluation.accuracy, count: valSet.count },
});
await kernels.dispose();
console.log(`wrote ${out}`);
