import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitString } from '../../src/data/digit-strings.js';
import { drawnString } from '../../src/data/drawn-digits.js';
import { loadMnist } from '../../src/data/index.js';
import { drawnMark, NON_DIGIT_CHARS, nonDigitFonts } from '../../src/data/non-digits.js';
import { installedFonts, printedTexts } from '../../src/data/printed-digits.js';
import { penDigit } from '../../src/data/scenes.js';
import { detect } from '../../src/vision/detect.js';
import type { DigitModel } from '../../src/vision/digit-model.js';
import { loadModel } from '../../src/vision/model.js';
import { MIN_JUDGEMENT } from '../../src/vision/judge.js';
import { MIN_DIGITNESS, recognize, recognizeAll } from '../../src/vision/recognize.js';
import { MIN_JUDGED_DIGITNESS } from '../../src/vision/verifier.js';

const test = loadMnist().test!;
const mnistDigit = (i: number) => ({
  width: 28,
  height: 28,
  channels: 1 as const,
  data: test.images.subarray(i * 784, (i + 1) * 784),
});

/** The shipped model, verifier and digit judge on what is not a digit (and on what is). */
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
    // Measured with the shipped judge: none of these 22 is taken for a digit (with the verifier alone 7 are: A A U
    // c c & &).
    expect(accepted.length, accepted.join(' ')).toBeLessThanOrEqual(1);
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
    // Measured 0.95 in this one font: all but a scribble (bench-reject, all 8 held-out fonts: 96.4 % of the
    // characters, 98.8 % of marks); 0.75 while the judge alone decided, letting { } [ ] through.
    expect(r.filter((x) => !x.isDigit).length / images.length).toBeGreaterThanOrEqual(0.85);
    let empty = 0;
    for (const image of images) if ((await detect(model, image)).digits.length === 0) empty++;
    // Measured 0.95: a scribble is read; 0.8 while W, w and ^ were read in pieces, 0.7 while a t was read by its stem.
    expect(empty / images.length).toBeGreaterThanOrEqual(0.85);
  });

  it('braces and brackets, tall strokes the judge takes for 1s, are not digits: the verifier sees their shape', async () => {
    const fonts = nonDigitFonts('heldOut').length ? nonDigitFonts('heldOut') : installedFonts(nonDigitFonts('train'));
    const brackets = (await printedTexts(fonts, [...'{}[]'])).map((t) => ({ ...t, channels: 1 as const }));
    const r = await recognizeAll(model, brackets);
    // Measured: 4 of the 32 in the Liberation faces taken for digits (3 before the verifier's second stage, 5 of 48
    // in DejaVu then); 20 (20) by the judge alone.
    expect(r.filter((x) => x.isDigit).length).toBeLessThanOrEqual(0.15 * brackets.length);
    expect(r.every((x) => x.isDigit === (x.judgement! >= MIN_JUDGEMENT && x.digitness! >= MIN_JUDGED_DIGITNESS))).toBe(
      true,
    );
    let read = 0;
    for (const image of brackets) if ((await detect(model, image)).digits.length > 0) read++;
    // Measured: detect() reads a 1 in 4 of 32 (3 before the verifier's second stage, 5 of 48 in DejaVu then); 6 while
    // only the judge had a say over a lone digit.
    expect(read).toBeLessThanOrEqual(0.15 * brackets.length);
  });

  it('the judge and the verifier decide together; the verifier alone without a judge', async () => {
    const fonts = nonDigitFonts('heldOut').length ? nonDigitFonts('heldOut') : installedFonts(nonDigitFonts('train'));
    const chars = await printedTexts(fonts.slice(0, 1), NON_DIGIT_CHARS.heldOut);
    const images = [
      ...chars.map((t) => ({ ...t, channels: 1 as const })),
      ...['scribble', 'hash', 'star', 'wave', 'arrow', 'smudge'].map((k, i) => drawnMark(9_100_000 + i, k as 'star')),
    ];
    const rejected = (r: { isDigit: boolean }[]) => r.filter((x) => !x.isDigit).length;
    const both = await recognizeAll(model, images);
    expect(both.every((x) => x.judgement! >= 0 && x.digitness! >= 0)).toBe(true);
    expect(
      both.every((x) => x.isDigit === (x.judgement! >= MIN_JUDGEMENT && x.digitness! >= MIN_JUDGED_DIGITNESS)),
    ).toBe(true);
    // With the verifier's bar at 0, the judge alone decides: it lets more through.
    const judged = await recognizeAll(model, images, { minDigitness: 0 });
    expect(judged.every((x) => x.isDigit === x.judgement! >= MIN_JUDGEMENT)).toBe(true);
    // Measured: 19 of these 20 rejected by both, 15 by the judge alone (it lets { } [ ] through).
    expect(rejected(both)).toBeGreaterThan(rejected(judged));
    const verifierOnly = await loadModel(undefined, { threads: 1, judge: false });
    try {
      const alone = await recognizeAll(verifierOnly, images);
      expect(alone.every((x) => x.judgement === undefined && x.digitness! >= 0)).toBe(true);
      expect(alone.every((x) => x.isDigit === x.digitness! >= MIN_DIGITNESS)).toBe(true);
      // Measured: the verifier alone rejects 17.
      expect(rejected(alone)).toBeLessThanOrEqual(rejected(both));
    } finally {
      await verifierOnly.dispose();
    }
  });

  it('detect() reads a digit drawn alone, and nothing in a letter alone that the judge turns down', async () => {
    const digits = Array.from({ length: 30 }, (_, i) => {
      const s = digitString(test, 500 + i, { length: 1, height: [40, 80] });
      return { image: { width: s.width, height: s.height, channels: 1 as const, data: s.data }, text: s.text };
    });
    let read = 0;
    for (const d of digits) if ((await detect(model, d.image)).text === d.text) read++;
    expect(read).toBeGreaterThanOrEqual(28);
    const fonts = nonDigitFonts('heldOut').length ? nonDigitFonts('heldOut') : installedFonts(nonDigitFonts('train'));
    const [p] = await printedTexts(fonts.slice(0, 1), ['P']);
    const picture = { ...p, channels: 1 as const };
    expect((await detect(model, picture)).digits).toEqual([]);
    // The same picture read with the judge made lenient: the verifier alone lets the P through as a digit.
    expect((await detect(model, picture, { minJudgement: 0 })).digits.length).toBe(1);
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

  it('a plain upright 1, a straight pen stroke, is a 1: cropped to its stroke and with paper around it', async () => {
    // MNIST test digits that are straight vertical strokes, redrawn along their centre lines with 1–5 px pens. The
    // judge once learnt bar-shaped characters (│, ǀ, Ι, ו) as "not a digit" and turned 36 of these 40 down (now none).
    const pictures = [4179, 7686, 948, 1368].flatMap((index) =>
      [1, 2, 3, 4, 5].flatMap((pen) => {
        const tight = penDigit(test, index, 60, pen);
        const margin = 20;
        const width = tight.width + 2 * margin;
        const paper = new Uint8Array(width * (60 + 2 * margin)).fill(245);
        for (let y = 0; y < 60; y++)
          paper.set(tight.data.subarray(y * tight.width, (y + 1) * tight.width), (y + margin) * width + margin);
        return [tight, { width, height: 60 + 2 * margin, channels: 1 as const, data: paper }];
      }),
    );
    const r = await recognizeAll(model, pictures);
    const misread = r.flatMap((x, i) => (x.isDigit && x.label === 1 ? [] : [`${i}: ${x.reason ?? x.label}`]));
    expect(misread.length, misread.join(', ')).toBeLessThanOrEqual(1);
    // detect() reads the 1 on paper. Measured: 20 of 20; 18 while a 1-px pen's 1, filling its 1-px-wide crop, had
    // no digit view (and recognize() then rejected it too, once the verifier was asked about the picture).
    let read = 0;
    for (const picture of pictures.filter((_, i) => i % 2 === 1))
      if ((await detect(model, picture)).text === '1') read++;
    expect(read).toBeGreaterThanOrEqual(19);
  });

  it('digits printed in fonts the judge never saw are digits, and read right', async () => {
    // Held-out fonts: Liberation where it is installed (npm run setup:browser), else the training DejaVu faces.
    const fonts = nonDigitFonts('heldOut').length ? nonDigitFonts('heldOut') : installedFonts(nonDigitFonts('train'));
    const printed = [
      ...(await printedTexts(fonts, [...'0123456789'], { size: 24 })),
      ...(await printedTexts(fonts, [...'0123456789'], { size: 48 })),
    ];
    const r = await recognizeAll(
      model,
      printed.map((t) => ({ ...t, channels: 1 as const })),
    );
    const missed = printed.flatMap((t, i) =>
      r[i].isDigit && String(r[i].label) === t.text ? [] : [`${t.font} ${t.text}`],
    );
    // Measured: 1 of 160. Judges that had not learnt printed digits turned 23–39 down (6s, 0s, 3s, 5s, 8s, 9s).
    expect(missed.length, missed.join(', ')).toBeLessThanOrEqual(3);
  });

  it('detect() reads nothing in a letter it cuts in pieces (W, w, ^), and still reads touching digits', async () => {
    const fonts = nonDigitFonts('heldOut').length ? nonDigitFonts('heldOut') : installedFonts(nonDigitFonts('train'));
    const letters = await printedTexts(fonts, [...'Ww^']);
    const read: string[] = [];
    for (const t of letters) {
      const d = await detect(model, { ...t, channels: 1 });
      if (d.text) read.push(`${t.font} ${t.text} as ${d.text}`);
    }
    // Measured: none of 24 (Liberation). Before, 13 were read: W and w as 114 or 411 (the judge gives the 4 cut
    // from a W's middle 0.00), ^ as 11 (its arms splay 0.8–1.0 apart).
    expect(read.length, read.join(', ')).toBeLessThanOrEqual(2);
    let pairs = 0;
    for (let i = 0; i < 60; i++) {
      const s = digitString(test, 7_000_003 + i, { length: [2, 3], touching: 1 });
      if ((await detect(model, { width: s.width, height: s.height, channels: 1, data: s.data })).text === s.text)
        pairs++;
    }
    expect(pairs).toBeGreaterThanOrEqual(58); // measured 59 of 60, with and without these two rules
  });

  it('detect() reads one printed digit alone in its small picture, at 48 and 96 px', async () => {
    const fonts = nonDigitFonts('heldOut').length ? nonDigitFonts('heldOut') : installedFonts(nonDigitFonts('train'));
    const printed = [
      ...(await printedTexts(fonts, [...'0123456789'], { size: 48 })),
      ...(await printedTexts(fonts, [...'0123456789'], { size: 96 })),
    ];
    const misread: string[] = [];
    for (const t of printed) {
      const d = await detect(model, { ...t, channels: 1 });
      if (d.text !== t.text) misread.push(`${t.font} ${t.text} as ${JSON.stringify(d.text)}`);
    }
    // Measured: 0 of 160 (Liberation); 51 before (6 at 48 px, 45 at 96 px). Paper's line removal took a stem as
    // long as 0.8 of the picture's side for a ruled line (1s and 4s read as nothing, 0s as 11 or 17), and a bold
    // digit covering a third of its picture was taken for texture (read as nothing).
    expect(misread.length, misread.join(', ')).toBeLessThanOrEqual(2);
  });
});
