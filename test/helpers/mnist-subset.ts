import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist, type ImageSet } from '../../src/data/index.js';
import { idxBytes, tempDir } from './formats.js';

/** Writes the first `train` / `test` MNIST images as an IDX dataset directory and returns its path. */
export function mnistSubsetDir(train: number, test: number): string {
  const d = loadMnist();
  const dir = tempDir('digits-mnist-');
  const write = (name: string, dims: number[], data: Uint8Array) =>
    writeFileSync(join(dir, name), idxBytes(dims, data));
  write('train-images-idx3-ubyte', [train, 28, 28], d.train!.images.subarray(0, train * 784));
  write('train-labels-idx1-ubyte', [train], d.train!.labels!.subarray(0, train));
  write('t10k-images-idx3-ubyte', [test, 28, 28], d.test!.images.subarray(0, test * 784));
  write('t10k-labels-idx1-ubyte', [test], d.test!.labels!.subarray(0, test));
  return dir;
}

/** The first `n` images (and labels) of a labelled set, as views. */
export function subset(set: ImageSet, n: number): ImageSet {
  return { ...set, count: n, images: set.images.subarray(0, n * 784), labels: set.labels!.subarray(0, n) };
}
