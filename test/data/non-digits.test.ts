import { describe, expect, it } from 'vitest';
import { digitString } from '../../src/data/digit-strings.js';
import { loadMnist } from '../../src/data/index.js';
import {
  DRAWN_CHARS,
  drawnChar,
  drawnMark,
  MARK_KINDS,
  NON_DIGIT_CHARS,
  NON_DIGIT_FONTS,
  nonDigitFonts,
} from '../../src/data/non-digits.js';
import { printedTexts } from '../../src/data/printed-digits.js';
import { preprocess } from '../../src/vision/preprocess.js';
import { segment } from '../../src/vision/segment.js';
import { verifierExamples } from '../../src/vision/verifier-data.js';

const test = loadMnist().test!;

describe('things that are not digits', () => {
  it('training and held-out characters and fonts are disjoint, and no character reads as a digit', () => {
    const train = new Set<string>(NON_DIGIT_CHARS.train);
    for (const c of NON_DIGIT_CHARS.heldOut) expect(train.has(c), c).toBe(false);
    for (const c of 'Oo0Il1|!Zz2Ss5bG6B8gq9ЗЭэЧчБбвдβδσ∃Θ◊РрρуγλωτΛ∧↑Γг¶∫ƒ£⌈⌉⌊⌋') {
      expect(train.has(c), c).toBe(false);
      expect((NON_DIGIT_CHARS.heldOut as readonly string[]).includes(c), c).toBe(false);
    }
    const trainFonts = new Set(NON_DIGIT_FONTS.train.map((f) => f.file));
    for (const f of NON_DIGIT_FONTS.heldOut) expect(trainFonts.has(f.file)).toBe(false);
    // The training fonts come with npm install (dejavu-fonts-ttf).
    expect(nonDigitFonts('train').length).toBe(NON_DIGIT_FONTS.train.length);
  });

  it('pen marks: seeded, dark ink on white with a white margin, every kind inked', () => {
    for (const [k, kind] of MARK_KINDS.entries()) {
      const a = drawnMark(100 + k, kind);
      expect(drawnMark(100 + k, kind).data).toEqual(a.data);
      expect(drawnMark(200 + k, kind).data).not.toEqual(a.data);
      const dark = a.data.filter((v) => v < 128).length;
      expect(dark, kind).toBeGreaterThan(20);
      for (let x = 0; x < a.width; x++) {
        expect(a.data[x]).toBe(245);
        expect(a.data[(a.height - 1) * a.width + x]).toBe(245);
      }
      // Preprocessing finds one inked 28×28 view in each.
      expect(
        preprocess(a).pixels.some((v) => v > 128),
        kind,
      ).toBe(true);
    }
  });

  it('drawn characters: training characters only, seeded, inked inside a white margin, spread over the field', () => {
    const train = new Set<string>(NON_DIGIT_CHARS.train);
    const chars = Object.keys(DRAWN_CHARS);
    expect(chars.length).toBeGreaterThan(30);
    for (const [k, c] of chars.entries()) {
      expect(train.has(c), c).toBe(true);
      const a = drawnChar(10 + k, c);
      expect(drawnChar(10 + k, c).data).toEqual(a.data);
      expect(drawnChar(99 + k, c).data).not.toEqual(a.data);
      for (let x = 0; x < a.width; x++) {
        expect(a.data[x], c).toBe(245);
        expect(a.data[(a.height - 1) * a.width + x], c).toBe(245);
      }
      // Ink across a quarter of the field or more one way (a glyph, not a dot), and a thin pen stays thin.
      const [rows, cols] = [new Set<number>(), new Set<number>()];
      a.data.forEach((v, i) => v < 128 && rows.add(Math.floor(i / a.width)) && cols.add(i % a.width));
      expect(Math.max(rows.size, cols.size), c).toBeGreaterThan(a.width / 4);
      const thin = drawnChar(10 + k, c, { pen: 1 }).data.filter((v) => v < 128).length;
      expect(thin, c).toBeLessThan(a.data.filter((v) => v < 128).length);
      expect(
        preprocess(a).pixels.some((v) => v > 128),
        c,
      ).toBe(true);
    }
    expect(() => drawnChar(1, '7')).toThrow(RangeError);
  });

  it('letters print as dark type on white in the training fonts', async () => {
    const [font] = nonDigitFonts('train');
    const [h] = await printedTexts([font], ['H'], { size: 40 });
    expect(h.text).toBe('H');
    const dark = h.data.filter((v) => v < 100).length;
    expect(dark).toBeGreaterThan(100);
    expect(h.data[0]).toBe(255);
  });

  it('strings mixed with non-digits: text and boxes skip them, owners name them, their candidates are not digits', () => {
    const others = { images: test.images.subarray(0, 784 * 50), labels: null, count: 50, height: 28, width: 28 };
    // Only non-digits: no text, every item a non-digit owner, every candidate "not one whole digit".
    const s = digitString(test, 77, { length: 3, owners: true, touching: 0, others: { set: others, chance: 1 } });
    expect(s.text).toBe('');
    expect(s.boxes).toEqual([]);
    expect(s.nonDigits).toEqual([1, 2, 3]);
    const e = verifierExamples(
      segment({ width: s.width, height: s.height, channels: 1, data: s.data }),
      s.owners!,
      s.nonDigits,
    );
    expect(e.labels.length).toBeGreaterThan(0);
    expect(e.labels.every((l) => l === 0)).toBe(true);
    // Without the list, the same candidates would have been taught as digits.
    const unaware = verifierExamples(
      segment({ width: s.width, height: s.height, channels: 1, data: s.data }),
      s.owners!,
    );
    expect(unaware.labels.some((l) => l === 1)).toBe(true);
    // Mixed: the text holds exactly the digits.
    const m = digitString(test, 78, { length: 8, owners: true, others: { set: others, chance: 0.5 } });
    expect(m.text.length + m.nonDigits.length).toBe(8);
    expect(m.boxes).toHaveLength(m.text.length);
    expect(m.text).toMatch(/^\d*$/);
  });
});
