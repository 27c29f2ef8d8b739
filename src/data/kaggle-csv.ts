import { readFileSync } from 'node:fs';
import { DataFormatError } from '../errors.js';
import { makeImageSet, type ImageSet } from './dataset.js';

/**
 * Parses Kaggle Digit Recognizer CSV: train.csv (label,pixel0..pixel783) or test.csv (pixel0..pixel783).
 * A byte-level scanner writes straight into uint8 arrays (no per-cell strings: train.csv has 33 M cells), and
 * checks the header, every row's column count, and that each value is an integer in 0..255. Errors give the
 * file, line and column. Square images of any size are accepted (pixel count must be a perfect square).
 */
export function parseKaggleCsv(input: Uint8Array, file: string): ImageSet {
  let pos = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  const headerEnd = lineEnd(input, pos);
  const header = new TextDecoder().decode(input.subarray(pos, headerEnd)).replace(/\r$/, '');
  const names = header.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
  const labeled = names[0] === 'label';
  const pixelNames = labeled ? names.slice(1) : names;
  if (pixelNames.length === 0 || !pixelNames.every((n, i) => n === `pixel${i}`)) {
    throw new DataFormatError(file, 'line 1: header must be "label,pixel0,…" (train.csv) or "pixel0,…" (test.csv)');
  }
  const pixels = pixelNames.length;
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) throw new DataFormatError(file, `line 1: ${pixels} pixel columns is not a square image`);
  const columns = names.length;
  pos = headerEnd + 1;

  // Count data lines first so the arrays are sized from bytes actually present.
  let rows = 0;
  for (let p = pos; p < input.length;) {
    const e = lineEnd(input, p);
    if (!isBlank(input, p, e)) rows++;
    p = e + 1;
  }
  const images = new Uint8Array(rows * pixels);
  const labels = labeled ? new Uint8Array(rows) : null;
  let row = 0;
  let line = 1;
  while (pos < input.length) {
    const end = lineEnd(input, pos);
    line++;
    if (isBlank(input, pos, end)) {
      pos = end + 1;
      continue;
    }
    let col = 0;
    let p = pos;
    while (true) {
      let v = 0;
      let digits = 0;
      while (p < end && input[p] === 0x20) p++;
      while (p < end && input[p] >= 0x30 && input[p] <= 0x39) {
        v = v * 10 + (input[p] - 0x30);
        if (v > 255) break;
        digits++;
        p++;
      }
      while (p < end && (input[p] === 0x20 || input[p] === 0x0d)) p++;
      if (digits === 0 || v > 255 || (p < end && input[p] !== 0x2c)) {
        const cellEnd = indexOfOr(input, 0x2c, p, end);
        const text = new TextDecoder().decode(input.subarray(scanBack(input, p, pos), cellEnd)).trim();
        throw new DataFormatError(
          file,
          `line ${line}, column ${col + 1} (${names[col] ?? '?'}): "${text}" is not an integer in 0..255`,
        );
      }
      if (col >= columns) throw new DataFormatError(file, `line ${line}: more than ${columns} columns`);
      if (labeled && col === 0) labels![row] = v;
      else images[row * pixels + col - (labeled ? 1 : 0)] = v;
      col++;
      if (p >= end) break;
      p++; // comma
    }
    if (col !== columns) throw new DataFormatError(file, `line ${line}: ${col} columns, header has ${columns}`);
    row++;
    pos = end + 1;
  }
  if (rows === 0) throw new DataFormatError(file, 'no data rows');
  return makeImageSet(images, labels, rows, side, side, (d) => new DataFormatError(file, d));
}

export function readKaggleCsv(file: string): ImageSet {
  return parseKaggleCsv(readFileSync(file), file);
}

/** True when the text starts with a Kaggle digits header. */
export function looksLikeKaggleCsv(head: Uint8Array): boolean {
  const text = new TextDecoder().decode(head).replace(/^\uFEFF/, '');
  return /^"?(label|pixel0)"?\s*,/.test(text);
}

function lineEnd(b: Uint8Array, from: number): number {
  const i = b.indexOf(0x0a, from);
  return i < 0 ? b.length : i;
}

function isBlank(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0x20 && b[i] !== 0x0d && b[i] !== 0x09) return false;
  return true;
}

function indexOfOr(b: Uint8Array, byte: number, from: number, to: number): number {
  const i = b.subarray(from, to).indexOf(byte);
  return i < 0 ? to : from + i;
}

function scanBack(b: Uint8Array, p: number, lineStart: number): number {
  let i = Math.min(p, b.length);
  while (i > lineStart && b[i - 1] !== 0x2c) i--;
  return i;
}
