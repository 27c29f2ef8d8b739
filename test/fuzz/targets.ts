import fc from 'fast-check';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx, parseKaggleCsv, parseMnistNpz, parseNpy } from '../../src/data/index.js';
import { DataFormatError, ModelFormatError } from '../../src/errors.js';
import { buildFromConfigJson, sequentialConfig } from '../../src/io/keras-config.js';
import { loadKerasH5, saveKerasH5 } from '../../src/io/keras-h5.js';
import { createKernels } from '../../src/kernels/index.js';
import { preset } from '../../src/nn/presets.js';
import { idxBytes, kaggleCsv, npyBytes, npzBytes, tempDir } from '../helpers/formats.js';

/** One input format under fuzzing: a valid sample, the reader, and the error class it may throw. */
export interface FuzzTarget {
  name: string;
  sample: () => Promise<Uint8Array> | Uint8Array;
  read: (bytes: Uint8Array) => Promise<unknown> | unknown;
  error: typeof DataFormatError | typeof ModelFormatError;
}

const images = Uint8Array.from({ length: 4 * 28 * 28 }, (_, i) => (i * 13) % 256);
const labels = Uint8Array.from([3, 1, 4, 1]);

const dir = tempDir('digits-fuzz-');
let counter = 0;

export const targets: FuzzTarget[] = [
  {
    name: 'IDX images (raw)',
    sample: () => idxBytes([4, 28, 28], images),
    read: (b) => parseIdx(b, 'fuzz.idx'),
    error: DataFormatError,
  },
  {
    name: 'IDX labels (gzip)',
    sample: () => new Uint8Array(gzipSync(idxBytes([4], labels))),
    read: (b) => parseIdx(b, 'fuzz.idx.gz'),
    error: DataFormatError,
  },
  {
    name: 'npy',
    sample: () => npyBytes('<i8', [4], new Uint8Array(new BigInt64Array([3n, 1n, 4n, 1n]).buffer)),
    read: (b) => parseNpy(b, 'fuzz.npy'),
    error: DataFormatError,
  },
  {
    name: 'mnist.npz (deflated)',
    sample: () =>
      npzBytes(
        {
          'x_train.npy': npyBytes('|u1', [4, 28, 28], images),
          'y_train.npy': npyBytes('|u1', [4], labels),
          'x_test.npy': npyBytes('|u1', [1, 28, 28], images.subarray(0, 784)),
          'y_test.npy': npyBytes('|u1', [1], labels.subarray(0, 1)),
        },
        true,
      ),
    read: (b) => parseMnistNpz(b, 'fuzz.npz'),
    error: DataFormatError,
  },
  {
    name: 'Kaggle CSV',
    sample: () => new TextEncoder().encode(kaggleCsv(images.subarray(0, 2 * 784), 784, labels.subarray(0, 2))),
    read: (b) => parseKaggleCsv(b, 'fuzz.csv'),
    error: DataFormatError,
  },
  {
    name: 'Keras HDF5 model',
    sample: async () => {
      const m = preset('mlp-small').build(await createKernels({ threads: 1 }), 1);
      const file = join(dir, 'sample.h5');
      await saveKerasH5(m, file);
      return new Uint8Array(readFileSync(file));
    },
    read: async (b) => {
      const file = join(dir, `m${counter++}.h5`);
      writeFileSync(file, b);
      try {
        return await loadKerasH5(file, await createKernels({ threads: 1, backend: 'reference' }), { timeoutMs: 1000 });
      } finally {
        rmSync(file, { force: true });
      }
    },
    error: ModelFormatError,
  },
  {
    // The architecture JSON inside model files; the size limit is what the loader passes for the sample's weights.
    name: 'Keras model_config JSON',
    sample: async () => {
      const m = preset('mlp-small').build(await createKernels({ threads: 1, backend: 'reference' }), 1);
      configWeights = m.params.reduce((n, p) => n + p.size, 0);
      return new TextEncoder().encode(JSON.stringify(sequentialConfig(m)));
    },
    read: async (b) =>
      buildFromConfigJson(
        new TextDecoder().decode(b),
        'fuzz.h5',
        await createKernels({ threads: 1, backend: 'reference' }),
        configWeights,
      ),
    error: ModelFormatError,
  },
];
let configWeights = 0;

/** A mutation of a byte string, applied by `mutate`. */
export type Mutation =
  | { kind: 'flip'; positions: number[]; bits: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'huge'; at: number; value: number }
  | { kind: 'number'; index: number; text: string }
  | { kind: 'nest'; at: number; depth: number };

/** Mutations biased to where formats keep their structure (the first bytes) but reaching anywhere. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    positions: fc.array(fc.oneof(fc.nat(64), fc.nat(4096), fc.nat(1 << 20)), { minLength: 1, maxLength: 8 }),
    bits: fc.array(fc.nat(7), { minLength: 8, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.oneof(fc.nat(64), fc.nat(1 << 20)) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.oneof(fc.nat(64), fc.nat(1 << 20)),
    bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('huge' as const),
    at: fc.oneof(fc.nat(64), fc.nat(4096)),
    value: fc.constantFrom(0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0),
  }),
  // Text formats (CSV, JSON): replace the n-th run of ASCII digits with an extreme or malformed number.
  fc.record({
    kind: fc.constant('number' as const),
    index: fc.nat(400),
    text: fc.constantFrom('0', '-1', '0.5', '1e9', '2147483648', '99999999999999999999', '1e400', '-0', '.', ''),
  }),
  // Deep nesting: thousands of unclosed or closed brackets.
  fc.record({
    kind: fc.constant('nest' as const),
    at: fc.oneof(fc.nat(64), fc.nat(4096)),
    depth: fc.constantFrom(100, 10_000, 200_000),
  }),
);

export function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  const n = input.length;
  switch (m.kind) {
    case 'flip': {
      const out = input.slice();
      m.positions.forEach((p, i) => (out[p % n] ^= 1 << m.bits[i]));
      return out;
    }
    case 'truncate':
      return input.slice(0, m.at % n);
    case 'insert': {
      const at = m.at % (n + 1);
      return Uint8Array.from([...input.subarray(0, at), ...m.bytes, ...input.subarray(at)]);
    }
    case 'huge': {
      const out = input.slice();
      const at = m.at % Math.max(1, n - 4);
      new DataView(out.buffer).setUint32(at, m.value, m.at % 2 === 0);
      return out;
    }
    case 'number': {
      const runs = [
        ...Buffer.from(input)
          .toString('latin1')
          .matchAll(/[0-9]+/g),
      ];
      if (runs.length === 0) return input;
      const r = runs[m.index % runs.length];
      const at = r.index;
      return Uint8Array.from([
        ...input.subarray(0, at),
        ...Buffer.from(m.text, 'latin1'),
        ...input.subarray(at + r[0].length),
      ]);
    }
    case 'nest': {
      const at = m.at % (n + 1);
      const open = '['.repeat(m.depth);
      const text = m.depth > 1000 ? open : `${open}${']'.repeat(m.depth)}`;
      const out = new Uint8Array(n + text.length);
      out.set(input.subarray(0, at));
      out.set(Buffer.from(text, 'latin1'), at);
      out.set(input.subarray(at), at + text.length);
      return out;
    }
  }
}
