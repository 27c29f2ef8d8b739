// Trains the segmentation verifier shipped as models/verifier.h5 (`npm run train:verifier`). It judges "one whole
// digit, or not" for detect()'s candidates and for recognize()'s whole images (src/vision/verifier.ts), from:
// - detect()'s own candidates on synthetic strings made from the MNIST *training* digits (bench-detect uses the test
//   digits), touching pairs twice as common as bench-detect's, every third image JPEG-compressed, every eighth a
//   photo of a number written with a pen on paper (src/data/scenes.ts, other seeds than bench-real's), and letters,
//   symbols and pen marks among the digits (scripts/non-digit-set.mjs: training characters, fonts and seeds only),
//   and every eighth string drawn with a pen in the styles MNIST lacks (src/data/drawn-digits.ts, other seeds than
//   bench-styles'), a third of those large, close and often narrow with a broad pen as in the web page's canvas
//   (without them the verifier took a canvas's thick, hard-edged 3 for no digit and a narrow 4 for a piece: the page
//   read "31415" as "1415" or "314"),
//   each candidate labelled by where its ink came from (src/vision/verifier-data.ts);
// - whole images as recognize() asks about them (scripts/whole-examples.mjs): MNIST training digits as they are and
//   cropped tight to fill a 16–32 px box (a digit cut from a form; USPS, held out, is made so), single digits,
//   letters, symbols and marks written as strings of one, single drawn digits, and strings of 2–4 digits (not one
//   digit). (From 2026-12-07 to 2026-12-08 this script asked for them by a function that no longer existed, and
//   its catch-all for "no ink" swallowed the TypeError: it trained with no whole images at all. Only "no ink" is
//   caught now. The shipped verifier was trained before that.)
// The network is the `cnn` preset on 28×56 inputs (digit view | context view) with 2 classes. Seeded: the same
// command gives the same file.
// Usage: node scripts/train-verifier.mjs [strings=16000] [epochs=12] [out=models/verifier.h5]
import { Adam, createKernels, evaluate, fit, loadMnist, preset, saveModelFile } from '../dist/index.js';
import { nonDigitSet } from './non-digit-set.mjs';
import { forEachStringCandidates } from './string-candidates.mjs';
import { wholeExample } from './whole-examples.mjs';

const strings = Number(process.argv[2] ?? 16000);
/** Every SCENES-th example image is a photo of a number on paper. */
const SCENES = 8;
/** Every DRAWN-th string is written in drawn styles (src/data/drawn-digits.ts). */
const DRAWN = 8;
/** Every BROAD-th drawn string is written as people write in the web page: large and close, with a broad pen. */
const BROAD = 3;
/** Whole-image examples per string. */
const WHOLE = 4;
const epochs = Number(process.argv[3] ?? 12);
const out = process.argv[4] ?? 'models/verifier.h5';
const train = loadMnist().train;
const others = await nonDigitSet();

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
    { scenes: SCENES, others, drawn: DRAWN, broad: BROAD },
  );
  for (let i = Math.round(from * WHOLE); i < Math.round((from + count) * WHOLE); i++) {
    const e = wholeExample(i, train, others);
    if (e) {
      inputs.push(e.input);
      labels.push(e.label);
    }
  }
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
  `${others.count} non-digit images; ${trainSet.count} training candidates (${whole} whole digits) from ${strings - held} strings, ` +
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
    drawn: DRAWN,
    broad: BROAD,
    nonDigits: others.count,
    wholeImagesPerString: WHOLE,
    epochs,
    batchSize: 128,
  },
  evaluation: { loss: evaluation.loss, accuracy: evaluation.accuracy, count: valSet.count },
});
await kernels.dispose();
console.log(`wrote ${out}`);
