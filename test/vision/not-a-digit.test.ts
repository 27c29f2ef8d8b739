import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitString } from '../../src/data/digit-strings.js';
import { drawnString } from '../../src/data/drawn-digits.js';
import { loadMnist } from '../../src/data/index.js';
import { drawnMark, NON_DIGIT_CHARS, nonDigitFonts } from '../../src/data/non-digits.js';
import { installedFonts, printedTexts } from '../../src/data/printed-digits.js';
import { detect } from '../../src/vision/detect.js';
import type { DigitModel } from '../../src/vision/digit-model.js';
import { loadModel } from '../../src/vision/model.js';
import { recognize, recognizeAll } from '../../src/vision/recognize.js';

const test = loadMnist().test!;
const mnistDigit = (i: number) => ({
  width: 28,
  height: 28,
  channels: 1 as const,
  data: test.images.subarray(i * 784, (i + 1) * 784),
});

/** The shipped model and verifier on what is not a digit (and on what is). */
describe('isDigit: recognize() says when an image holds no digit', () => {
  let model: DigitModel;
  beforeAll(async () => {
    model = await loadModel(undefined, { threads: 1 });
  });
  afterAll(async () => {
    await model.dispose();
  });

  it('MNIST test digits are digits; a blank page is not, for its reason; label and probabilities are always given', async () => {
    const r = await recognizeAll(
      model,
      Array.from({ length: 200 }, (_, i) => mnistDigit(i)),
    );
    expect(r.filter((x) => !x.isDigit).length).toBeLessThanOrEqual(2);
    expect(r.every((x) => x.isDigit === (x.reason === undefined))).toBe(true);
    const blank = await recognize(model, { width: 40, height: 40, channels: 1, data: new Uint8Array(1600).fill(230) });
    expect(blank).toMatchObject({ isDigit: false, reason: 'blank' });
    expect(blank.probabilities).toHaveLength(10);
  });

  it('letters the old model read as digits (H, A, X, Y, D, U, c, e, #, &, *) are not digits', async () => {
    // Held-out fonts: Liberation where it is installed (npm run setup:browser), else the training DejaVu faces.
    const fonts = nonDigitFonts('heldOut').length ? nonDigitFonts('heldOut') : installedFonts(nonDigitFonts('train'));
    const letters = await printedTexts(fonts.slice(0, 2), [...'HAXYDUce#&*']);
    const r = await recognizeAll(
      model,
      letters.map((t) => ({ ...t, channels: 1 as const })),
    );
    const accepted = letters.filter((_, i) => r[i].isDigit).map((t) => t.text);
    // Measured with the shipped verifier: 7 of these 22 are still taken for digits (U, &, A, D, e); the issue's
    // goal is none.
    expect(accepted.length, accepted.join(' ')).toBeLessThanOrEqual(8);
    expect(r.filter((x) => !x.isDigit).every((x) => x.reason === 'not a digit')).toBe(true);
  });

  it('held-out characters and marks are rejected; detect() reads nothing in most of them', async () => {
    const fonts = nonDigitFonts('heldOut');
    const chars = fonts.length ? await printedTexts(fonts.slice(0, 1), NON_DIGIT_CHARS.heldOut) : [];
    const images = [
      ...chars.map((t) => ({ ...t, channels: 1 as const })),
      ...['scribble', 'hash', 'star', 'wave', 'arrow', 'smudge'].map((k, i) => drawnMark(9_100_000 + i, k as 'star')),
    ];
    const r = await recognizeAll(model, images);
    // Measured 0.75 in this one font (bench-reject, all 8 held-out fonts: 74.1 % of the characters, 96.9 % of marks).
    expect(r.filter((x) => !x.isDigit).length / images.length).toBeGreaterThanOrEqual(0.7);
    let empty = 0;
    for (const image of images) if ((await detect(model, image)).digits.length === 0) empty++;
    expect(empty / images.length).toBeGreaterThanOrEqual(0.45); // measured 0.55
  });

  it('a written number is "several digits: use detect"; without a verifier everything inked is a digit', async () => {
    const s = digitString(test, 2026, { length: 4, height: [50, 60], touching: 0 });
    const r = await recognize(model, { width: s.width, height: s.height, channels: 1, data: s.data });
    expect(r).toMatchObject({ isDigit: false, reason: 'several digits: use detect' });
    const bare = await recognize(model.network, { width: s.width, height: s.height, channels: 1, data: s.data });
    expect(bare.isDigit).toBe(true);
    expect(bare.digitness).toBeUndefined();
  });

  it('digits drawn in the styles MNIST lacks are digits: upright and flagged 1s, barred 7s, open 4s and 9s', async () => {
    const styles = { 1: ['stroke', 'flag'], 4: ['open'], 7: ['bar'], 9: ['open-top'] };
    const images = [1, 1, 4, 7, 9].map((d, i) =>
      drawnString(40 + i, { text: String(d), styles, kind: 'plain', pen: [3, 5], height: [50, 70] }),
    );
    const r = await recognizeAll(model, images);
    expect(r.map((x) => x.isDigit)).toEqual([true, true, true, true, true]);
  });
});
