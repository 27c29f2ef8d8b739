// Whole pictures as recognize() asks the segmentation verifier about them (src/vision/verifier.ts, pictureInput):
// what scripts/train-verifier.mjs teaches it about single digits, single non-digits and several digits in one
// picture.
import { data, vision } from '../dist/index.js';

const { digitString, drawnString } = data;
const { NoInkError, pictureInput, preprocess } = vision;

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

/**
 * Whole image i: one of five kinds in turn (an MNIST digit as it is or cropped tight, a written digit, a written
 * letter, symbol or mark, several written digits, a digit drawn in a style MNIST lacks), as the verifier's input
 * for the picture recognize() asks it about (pictureInput), labelled 1 for one digit; null where it has no ink.
 * `set` gives the digits, `others` the non-digits (scripts/non-digit-set.mjs).
 */
export function wholeExample(i, set, others) {
  const seed = 3_000_017 * (i + 1);
  let picture;
  let label;
  switch (i % 5) {
    case 0: {
      // an MNIST digit as it is, 28×28, or every other one cropped tight and stretched to fill a small box
      const digit = set.images.subarray((i % set.count) * 784, ((i % set.count) + 1) * 784);
      picture =
        Math.floor(i / 5) % 2 === 0
          ? { width: 28, height: 28, channels: 1, data: digit }
          : tightFill(digit, 16 + (Math.floor(i / 10) % 17));
      label = 1;
      break;
    }
    case 1: // one digit written on paper
      picture = digitString(set, seed, { length: 1, height: [16, 90] });
      label = 1;
      break;
    case 2: // one letter, symbol or mark written on paper
      picture = digitString(others, seed, { length: 1, height: [16, 90] });
      label = 0;
      break;
    case 3: // several digits
      picture = digitString(set, seed, { length: [2, 4], height: [16, 90] });
      label = 0;
      break;
    default: // one digit drawn in a style MNIST lacks (every digit in turn)
      picture = drawnString(seed, { text: String(Math.floor(i / 5) % 10), height: [16, 90] });
      label = 1;
  }
  const image = { channels: 1, ...picture };
  let inverted;
  try {
    inverted = preprocess(image).inverted; // the polarity recognize() gives pictureInput
  } catch (e) {
    if (e instanceof NoInkError) return null;
    throw e;
  }
  const input = pictureInput(image, inverted);
  return input ? { input, label } : null;
}
