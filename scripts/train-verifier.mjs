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
// - whole images as recognize() sees them (wholeViewInput): MNIST training digits as they are and cropped tight to
//   fill a 16–32 px box (a digit cut from a form; USPS, held out, is made so), single digits,
//   letters, symbols and marks written as strings of one, single drawn digits, and strings of 2–4 digits (not one
//   digit).
// The network is the `cnn` preset on 28×56 inputs (digit view | context view) with 2 classes. Seeded: the same
// command gives the same file.
// Usage: node scripts/train-verifier.mjs [strings=16000] [epochs=12] [out=models/verifier.h5]
import { Adam, createKernels, data, evaluate, fit, loadMnist, preset, saveModelFile, vision } from '../dist/index.js';
import { nonDigitSet } from './non-digit-set.mjs';
import { forEachStringCandidates } from './string-candidates.mjs';

const { digitString, drawnString } = data;
const { preprocess, wholeViewInput } = vision;

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

/**
 * A 28×28 digit cropped to its ink and scaled to fill side × side, as a digit cut tightly from a form's box: its
 * height fills the box, its width too unless that would widen it more than 1.5× (a 1 stays a bar). Bilinear.
 */
function tightFill(digit, side) {
  let [x0, y0, x1, y1] = [28, 28, -1, -1];
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++)
      if (digit[y * 28 + x] > 40)
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  const data = new Uint8Array(side * side);
  if (x1 < 0) return { width: side, height: side, channels: 1, data };
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const outW = Math.max(1, Math.min(side, Math.round(((w * side) / h) * 1.5)));
  const left = Math.floor((side - outW) / 2);
  for (let y = 0; y < side; y++)
    for (let x = left; x < left + outW; x++) {
      const u = x0 + ((x - left + 0.5) / outW) * w - 0.5;
      const v = y0 + ((y + 0.5) / side) * h - 0.5;
      const ua = Math.max(0, Math.min(27, Math.floor(u)));
      const va = Math.max(0, Math.min(27, Math.floor(v)));
      const [ub, vb] = [Math.min(27, ua + 1), Math.min(27, va + 1)];
      const [fu, fv] = [Math.max(0, Math.min(1, u - ua)), Math.max(0, Math.min(1, v - va))];
      const p = (a, b) => digit[b * 28 + a];
      data[y * side + x] = Math.round(
        (p(ua, va) * (1 - fu) + p(ub, va) * fu) * (1 - fv) + (p(ua, vb) * (1 - fu) + p(ub, vb) * fu) * fv,
      );
    }
  return { width: side, height: side, channels: 1, data };
}

/** Whole image i of [from, from + count): one of five kinds in turn, as recognize() would see it. */
function wholeExample(i) {
  const seed = 3_000_017 * (i + 1);
  let picture;
  let label;
  switch (i % 5) {
    case 0: {
      // an MNIST digit as it is, 28×28, or every other one cropped tight and stretched to fill a small box
      const digit = train.images.subarray((i % train.count) * 784, ((i % train.count) + 1) * 784);
      picture =
        Math.floor(i / 5) % 2 === 0
          ? { width: 28, height: 28, channels: 1, data: digit }
          : tightFill(digit, 16 + (Math.floor(i / 10) % 17));
      label = 1;
      break;
    }
    case 1: // one digit written on paper
      picture = digitString(train, seed, { length: 1, height: [16, 90] });
      label = 1;
      break;
    case 2: // one letter, symbol or mark written on paper
      picture = digitString(others, seed, { length: 1, height: [16, 90] });
      label = 0;
      break;
    case 3: // several digits
      picture = digitString(train, seed, { length: [2, 4], height: [16, 90] });
      label = 0;
      break;
    default: // one digit drawn in a style MNIST lacks (every digit in turn)
      picture = drawnString(seed, { text: String(Math.floor(i / 5) % 10), height: [16, 90] });
      label = 1;
  }
  try {
    const input = wholeViewInput(preprocess({ channels: 1, ...picture }));
    return input ? { input, label } : null;
  } catch {
    return null; // no ink
  }
}

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
    const e = wholeExample(i);
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
