import { describe, expect, it } from 'vitest';
import { cmapCodePoints, fontCodePoints } from '../../src/data/font-cmap.js';
import { fontGlyphChars, NOT_TRAINED_CHARS, nonDigitFonts } from '../../src/data/non-digits.js';
import { DataFormatError } from '../../src/errors.js';

/** A font file holding only a cmap table with the given subtable (platform 3, encoding 1 or 10). */
function sfnt(subtable: number[], encoding = 1): Uint8Array {
  const cmap = [0, 0, 0, 1, 0, 3, 0, encoding, 0, 0, 0, 12, ...subtable];
  const head = [0, 1, 0, 0, 0, 1, 0, 16, 0, 0, 0, 0]; // version, 1 table, search fields
  const entry = [...Buffer.from('cmap'), 0, 0, 0, 0, 0, 0, 0, 28, ...u32(cmap.length)];
  return Uint8Array.from([...head, ...entry, ...cmap]);
}
const u16 = (v: number) => [(v >> 8) & 255, v & 255];
const u32 = (v: number) => [...u16(v >>> 16), ...u16(v & 0xffff)];

describe('fontCodePoints: the characters a font has', () => {
  it('reads a format 4 cmap: a delta segment, a glyph-array segment with a hole, and the 0xFFFF end', () => {
    // Segments: 'A'..'C' → glyphs 1..3 by delta; 'x'..'z' → glyphs [7, 0, 9] through the array; 0xFFFF.
    const segX2 = 6;
    const ends = [...u16(0x43), ...u16(0x7a), ...u16(0xffff)];
    const starts = [...u16(0x41), ...u16(0x78), ...u16(0xffff)];
    const deltas = [...u16((1 - 0x41) & 0xffff), ...u16(0), ...u16(1)];
    // The second segment's range offset points from its own slot to the glyph array after the three slots.
    const rangeOffsets = [...u16(0), ...u16(4), ...u16(0)];
    const glyphs = [...u16(7), ...u16(0), ...u16(9)];
    const body = [...ends, 0, 0, ...starts, ...deltas, ...rangeOffsets, ...glyphs];
    const table = [...u16(4), ...u16(14 + body.length), ...u16(0), ...u16(segX2), 0, 0, 0, 0, 0, 0, ...body];
    expect([...cmapCodePoints(sfnt(table))].sort((a, b) => a - b)).toEqual([0x41, 0x42, 0x43, 0x78, 0x7a]);
  });

  it('reads a format 12 cmap, where code points pass 0xFFFF', () => {
    const table = [...u16(12), 0, 0, ...u32(28), ...u32(0), ...u32(1), ...u32(0x1f600), ...u32(0x1f602), ...u32(5)];
    expect([...cmapCodePoints(sfnt(table, 10))]).toEqual([0x1f600, 0x1f601, 0x1f602]);
  });

  it('says what is wrong with a file that is not a font, naming it', () => {
    expect(() => cmapCodePoints(new Uint8Array(5), 'x.ttf')).toThrow(DataFormatError);
    expect(() => cmapCodePoints(new Uint8Array(5), 'x.ttf')).toThrow(/x\.ttf: .*table directory/);
    const table = [...u16(12), 0, 0, ...u32(28), ...u32(0), ...u32(1_000_000)]; // a million groups, no bytes
    expect(() => cmapCodePoints(sfnt(table, 10), 'y.ttf')).toThrow(/y\.ttf: .*past the end/);
    const noCmap = Uint8Array.from([
      0,
      1,
      0,
      0,
      0,
      1,
      0,
      16,
      0,
      0,
      0,
      0,
      ...Buffer.from('glyf'),
      ...new Array(12).fill(0),
    ]);
    expect(() => cmapCodePoints(noCmap, 'z.ttf')).toThrow(/no cmap table/);
  });

  it('DejaVu Sans has Latin, Greek, Cyrillic, Armenian and Georgian, not CJK (fc-query counts 5918 for 2.37)', () => {
    const font = nonDigitFonts('train').find((f) => f.name === 'DejaVu Sans')!;
    const points = fontCodePoints(font.path);
    for (const c of 'AΩЖԱაℓ→') expect(points.has(c.codePointAt(0)!), c).toBe(true);
    expect(points.has(0x4e00)).toBe(false);
    expect(points.size).toBeGreaterThan(5000);
  });
});

describe('fontGlyphChars: a training font as thousands of things that are not digits', () => {
  const font = nonDigitFonts('train').find((f) => f.name === 'DejaVu Sans')!;
  const chars = fontGlyphChars(fontCodePoints(font.path));

  it('holds letters and symbols of many scripts, and no digit, held-out character or look-alike', () => {
    expect(chars.length).toBeGreaterThan(2000);
    for (const c of 'AЖԱა→∑★') expect(chars, c).toContain(c);
    const banned = new Set(NOT_TRAINED_CHARS);
    for (const c of chars) {
      expect(/\p{N}/u.test(c), c).toBe(false);
      const base = c.normalize('NFD').replace(/\p{M}/gu, '');
      expect(
        [...base].some((b) => banned.has(b)),
        c,
      ).toBe(false);
    }
    // Accented copies of held-out and digit-like letters are left out with them.
    for (const c of 'ŵýţṗŞÖ½²') expect(chars, c).not.toContain(c);
  });

  it('takes only what the font has', () => {
    expect(fontGlyphChars(new Set([0x41, 0x46, 0x4e00, 0x35]))).toEqual(['A']);
  });
});
