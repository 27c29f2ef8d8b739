import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { DataFormatError } from '../errors.js';
import { makeImageSet, type Dataset, type ImageSet } from './dataset.js';
import { MAX_DECOMPRESSED } from './gzip.js';
import { parseNpy } from './npy.js';

const MEMBERS = ['x_train.npy', 'y_train.npy', 'x_test.npy', 'y_test.npy'];

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Parses Keras's mnist.npz (what `keras.datasets.mnist.load_data` caches): a zip of x_train, y_train,
 * x_test, y_test .npy arrays. Member sizes are checked against a limit before anything is inflated.
 */
export function parseMnistNpz(bytes: Uint8Array, file: string): Dataset {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (f) => {
        if (!MEMBERS.includes(f.name)) return false;
        if (f.originalSize > MAX_DECOMPRESSED) {
          throw new DataFormatError(
            file,
            `${f.name} declares ${f.originalSize} bytes uncompressed (limit ${MAX_DECOMPRESSED})`,
          );
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof DataFormatError) throw e;
    throw new DataFormatError(file, `corrupt zip archive (${(e as Error).message})`);
  }
  const split = (x: string, y: string): ImageSet | null => {
    if (!members[x]) {
      if (members[y]) throw new DataFormatError(file, `${y} without ${x}`);
      return null;
    }
    const images = parseNpy(members[x], `${file}:${x}`);
    if (images.shape.length !== 3) {
      throw new DataFormatError(
        `${file}:${x}`,
        `images must have shape (count, rows, cols), got (${images.shape.join(', ')})`,
      );
    }
    if (images.descr !== '|u1' && images.descr !== '<u1') {
      throw new DataFormatError(`${file}:${x}`, `images must be uint8, got ${images.descr}`);
    }
    const [count, h, w] = images.shape;
    let labels: Uint8Array | null = null;
    if (members[y]) {
      const lab = parseNpy(members[y], `${file}:${y}`);
      if (lab.shape.length !== 1)
        throw new DataFormatError(`${file}:${y}`, `labels must be 1-D, got (${lab.shape.join(', ')})`);
      if (lab.shape[0] !== count)
        throw new DataFormatError(`${file}:${y}`, `${lab.shape[0]} labels but ${x} has ${count} images`);
      labels = lab.data;
    }
    return makeImageSet(images.data, labels, count, h, w, (d) => new DataFormatError(`${file}:${x}`, d));
  };
  const train = split('x_train.npy', 'y_train.npy');
  const test = split('x_test.npy', 'y_test.npy');
  if (!train && !test) throw new DataFormatError(file, `zip archive holds none of ${MEMBERS.join(', ')}`);
  return { source: file, train, test };
}

export function loadMnistNpz(file: string): Dataset {
  return parseMnistNpz(readFileSync(file), file);
}
