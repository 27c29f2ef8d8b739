// Printed digits as an MNIST-like image set (light ink on black, 28×28, labelled) for the verifier's training: 0–9
// in the training fonts of src/data/non-digits.ts (DejaVu; the held-out Liberation fonts stay unseen) at two sizes.
import { data, vision } from '../dist/index.js';

const { nonDigitFonts, printedDigits } = data;
const { preprocess } = vision;

export async function printedDigitSet() {
  const fonts = nonDigitFonts('train');
  if (fonts.length === 0) throw new Error('no training fonts: npm install brings dejavu-fonts-ttf');
  const views = [];
  const labels = [];
  for (const size of [24, 48])
    for (const d of await printedDigits(fonts, { size })) {
      views.push(preprocess({ ...d, channels: 1 }).pixels);
      labels.push(d.label);
    }
  const images = new Uint8Array(views.length * 784);
  views.forEach((v, i) => images.set(v, i * 784));
  return { images, labels: Uint8Array.from(labels), count: views.length, height: 28, width: 28 };
}

/** One labelled 28×28 set: `base`, then `extra` `repeats` times over. */
export function withRepeats(base, extra, repeats) {
  const count = base.count + extra.count * repeats;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  images.set(base.images.subarray(0, base.count * 784));
  labels.set(base.labels.subarray(0, base.count));
  for (let r = 0; r < repeats; r++) {
    const at = base.count + r * extra.count;
    images.set(extra.images, at * 784);
    labels.set(extra.labels, at);
  }
  return { images, labels, count, height: 28, width: 28 };
}
