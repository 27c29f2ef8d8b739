/**
 * Which characters a font file has: the Unicode code points its `cmap` table maps to a glyph (TrueType/OpenType,
 * subtables of format 4 and 12, the ones fonts use for Unicode). Printing a character a font lacks makes the text
 * renderer take it from another installed font, so a training set drawn from "DejaVu" could hold glyphs of a
 * held-out font without this check.
 */
import { readFileSync } from 'node:fs';
import { DataFormatError } from '../errors.js';

/** The code points `file` (a .ttf or .otf) maps to a glyph other than .notdef. */
export function fontCodePoints(file: string): Set<number> {
  return cmapCodePoints(readFileSync(file), file);
}

/** As fontCodePoints, from the font's bytes; `name` is what errors call it. */
export function cmapCodePoints(bytes: Uint8Array, name = 'font'): Set<number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new DataFormatError(name, `not a usable TrueType/OpenType font: ${what}`);
  };
  const need = (offset: number, length: number, what: string) => {
    if (offset < 0 || offset + length > bytes.length) fail(`${what} lies past the end of the file`);
  };
  const u16 = (o: number) => view.getUint16(o);
  const u32 = (o: number) => view.getUint32(o);

  need(0, 12, 'the table directory');
  const tables = u16(4);
  need(12, tables * 16, 'the table directory');
  let cmap = -1;
  for (let i = 0; i < tables; i++) {
    const entry = 12 + 16 * i;
    if (String.fromCharCode(bytes[entry], bytes[entry + 1], bytes[entry + 2], bytes[entry + 3]) === 'cmap')
      cmap = u32(entry + 8);
  }
  if (cmap < 0) fail('no cmap table');
  need(cmap, 4, 'the cmap table');
  const subtables = u16(cmap + 2);
  need(cmap + 4, subtables * 8, 'the cmap table');

  const points = new Set<number>();
  for (let i = 0; i < subtables; i++) {
    const platform = u16(cmap + 4 + 8 * i);
    const encoding = u16(cmap + 6 + 8 * i);
    // Unicode (platform 0) or Windows Unicode BMP / full (platform 3, encodings 1 and 10).
    if (!(platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10)))) continue;
    const at = cmap + u32(cmap + 8 + 8 * i);
    need(at, 2, 'a cmap subtable');
    const format = u16(at);
    if (format === 4) readFormat4(at);
    else if (format === 12) readFormat12(at);
  }
  return points;

  /** Segments of consecutive codes, each mapped by a delta or through a glyph-index array. */
  function readFormat4(at: number) {
    need(at, 14, 'a format 4 cmap subtable');
    const segments = u16(at + 6) / 2;
    const ends = at + 14;
    const starts = ends + 2 * segments + 2;
    const deltas = starts + 2 * segments;
    const rangeOffsets = deltas + 2 * segments;
    need(ends, 8 * segments + 2, 'a format 4 cmap subtable');
    for (let s = 0; s < segments; s++) {
      const end = u16(ends + 2 * s);
      const start = u16(starts + 2 * s);
      const delta = u16(deltas + 2 * s);
      const rangeOffset = u16(rangeOffsets + 2 * s);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let glyph: number;
        if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
        else {
          const o = rangeOffsets + 2 * s + rangeOffset + 2 * (c - start);
          need(o, 2, 'a format 4 glyph index');
          glyph = u16(o);
          if (glyph) glyph = (glyph + delta) & 0xffff;
        }
        if (glyph) points.add(c);
      }
    }
  }

  /** Groups of consecutive codes mapped to consecutive glyphs. */
  function readFormat12(at: number) {
    need(at, 16, 'a format 12 cmap subtable');
    const groups = u32(at + 12);
    need(at + 16, groups * 12, 'a format 12 cmap subtable');
    for (let g = 0; g < groups; g++) {
      const first = u32(at + 16 + 12 * g);
      const last = u32(at + 20 + 12 * g);
      const glyph = u32(at + 24 + 12 * g);
      if (last < first || last > 0x10ffff) fail(`a format 12 group maps codes ${first}..${last}`);
      for (let c = first; c <= last; c++) if (glyph + c - first) points.add(c);
    }
  }
}
