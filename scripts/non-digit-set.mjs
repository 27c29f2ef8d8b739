// Things that are not digits, as a 28×28 MNIST-like image set (light ink on black) for the verifier's training:
// the training letters and symbols in the training fonts (src/data/non-digits.ts) at two sizes, and pen marks of
// every kind with training seeds (benches use seeds from 9,000,000 on). Seeded: the same call gives the same set.
// (The same characters written with a pen, data.drawnChar, were tried too, 120 of each: held-out letters rejected
// 75.0 % rather than 74.1 %, but pen marks 92.7 % rather than 96.9 % and USPS wrongly rejected 2.95 % rather than
// 2.04 %, so they are left out.)
import { data, vision } from '../dist/index.js';

const { drawnMark, MARK_KINDS, NON_DIGIT_CHARS, nonDigitFonts, printedTexts } = data;
const { preprocess } = vision;
export async function nonDigitSet(marksPerKind = 400) {
  const fonts = nonDigitFonts('train');
  if (fonts.length === 0) throw new Error('no training fonts: npm install brings dejavu-fonts-ttf');
  const pictures = [];
  for (const size of [24, 48])
    for (const t of await printedTexts(fonts, NON_DIGIT_CHARS.train, { size })) pictures.push({ ...t, channels: 1 });
  MARK_KINDS.forEach((kind, k) => {
    for (let i = 0; i < marksPerKind; i++) pictures.push(drawnMark(5_000_000 + k * 10_000 + i, kind));
  });
  const views = [];
  for (const p of pictures) {
    try {
      views.push(preprocess(p).pixels);
    } catch {
      // no ink left (a faint mark): nothing to learn from
    }
  }
  const images = new Uint8Array(views.length * 784);
  views.forEach((v, i) => images.set(v, i * 784));
  return { images, labels: null, count: views.length, height: 28, width: 28 };
}
