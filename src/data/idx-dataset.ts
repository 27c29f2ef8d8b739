import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError } from '../errors.js';
import { makeImageSet, type Dataset, type ImageSet } from './dataset.js';
import { isGzip } from './gzip.js';
import { readHead } from './sniff.js';
import { looksLikeIdx, parseIdx } from './idx.js';

/** Builds an ImageSet from an IDX images file (n×h×w) and an optional IDX labels file (n). */
export function idxImageSet(imagesFile: string, labelsFile: string | null): ImageSet {
  const img = parseIdx(readFileSync(imagesFile), imagesFile);
  if (img.dims.length !== 3) {
    throw new DataFormatError(
      imagesFile,
      `IDX images must have 3 dimensions (count, rows, cols), found ${img.dims.length}`,
    );
  }
  const [count, height, width] = img.dims;
  let labels: Uint8Array | null = null;
  if (labelsFile) {
    const lab = parseIdx(readFileSync(labelsFile), labelsFile);
    if (lab.dims.length !== 1)
      throw new DataFormatError(labelsFile, `IDX labels must have 1 dimension, found ${lab.dims.length}`);
    if (lab.dims[0] !== count) {
      throw new DataFormatError(labelsFile, `${lab.dims[0]} labels but ${imagesFile} has ${count} images`);
    }
    labels = lab.data;
  }
  return makeImageSet(img.data, labels, count, height, width, (d) => new DataFormatError(imagesFile, d));
}

type Role = { split: 'train' | 'test'; kind: 'images' | 'labels' };

/** Which file of a dataset a name denotes: MNIST/Fashion (train-images-idx3-ubyte, t10k-…) and EMNIST names. */
function roleOf(name: string): Role | null {
  const n = name.toLowerCase();
  const split = /(^|[-_.])(train)([-_.]|$)/.test(n) ? 'train' : /(^|[-_.])(t10k|test)([-_.]|$)/.test(n) ? 'test' : null;
  const kind = /images|idx3/.test(n) ? 'images' : /labels|idx1/.test(n) ? 'labels' : null;
  return split && kind ? { split, kind } : null;
}

/** Peeks at a file's first bytes to confirm it is IDX (gzip files are checked fully when parsed). */
function isIdxFile(file: string): boolean {
  const head = readHead(file, 4);
  return isGzip(head) || looksLikeIdx(head);
}

/** Finds IDX train/test image and label files in a directory; null if it holds none. */
export function findIdxFiles(dir: string): Record<'train' | 'test', { images?: string; labels?: string }> | null {
  const found: Record<'train' | 'test', { images?: string; labels?: string }> = { train: {}, test: {} };
  let any = false;
  for (const name of readdirSync(dir).sort()) {
    const role = roleOf(name);
    const file = join(dir, name);
    if (!role || !statSync(file).isFile() || !isIdxFile(file)) continue;
    if (found[role.split][role.kind])
      throw new DataFormatError(
        dir,
        `two candidate ${role.split} ${role.kind} files: ${found[role.split][role.kind]} and ${file}`,
      );
    found[role.split][role.kind] = file;
    any = true;
  }
  return any ? found : null;
}

/** Loads an IDX dataset directory (MNIST layout: train/t10k images and labels, raw or .gz). */
export function loadIdxDirectory(dir: string): Dataset {
  const files = findIdxFiles(dir);
  if (!files) throw new DataFormatError(dir, 'no IDX files found');
  const split = (s: 'train' | 'test'): ImageSet | null => {
    const f = files[s];
    if (!f.images) {
      if (f.labels) throw new DataFormatError(dir, `${s} labels ${f.labels} without a ${s} images file`);
      return null;
    }
    return idxImageSet(f.images, f.labels ?? null);
  };
  return { source: dir, train: split('train'), test: split('test') };
}
