import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { readHdf5Tree, type Hdf5Node } from '../../src/io/hdf5-tree.js';
import { loadModelFile, saveModelFile } from '../../src/io/model-file.js';
import { Adam } from '../../src/nn/optimizers/index.js';
import { evaluate, predict } from '../../src/train/evaluate.js';
import { createKernels } from '../../src/kernels/index.js';
import { preset } from '../../src/nn/presets.js';
import { fixture, hasShared } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/formats.js';

type Json = Record<string, unknown>;

/** The key structure of a JSON value: objects become sorted key → structure, arrays their items' structures. */
function keyShape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keyShape);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const k of Object.keys(v).sort()) if (k !== 'shared_object_id') out[k] = keyShape((v as Json)[k]);
    return out;
  }
  return typeof v;
}

/** Groups, datasets (with shape and dtype) and attribute names of an HDF5 tree, as sorted paths. */
function treeShape(node: Hdf5Node, path = ''): string[] {
  const attrs = Object.keys(node.attrs).map((a) => `${path}@${a}`);
  if (node.kind === 'dataset') return [`${path} ${node.dtype} (${node.shape.join(',')})`, ...attrs];
  const children = Object.entries(node.children).flatMap(([k, c]) => treeShape(c, `${path}/${k}`));
  return [path || '/', ...attrs, ...children].sort();
}

function members(file: string): Record<string, Uint8Array> {
  return unzipSync(readFileSync(file));
}

/** The real Keras archive of ../shared/fixtures (its tests are skipped, saying so, where it is missing). */
const KERAS = hasShared('fixtures', 'keras');

describe('Keras 3 .keras archives', () => {
  const mnist = loadMnist();
  const dir = tempDir();
  const real = fixture('keras/aser_best_model.keras');

  it.skipIf(!KERAS)('loads the real Keras 3.13 archive and reproduces its accuracy (98.40 %)', async () => {
    const { model } = await loadModelFile(real, { threads: 1 });
    try {
      expect(evaluate(model, mnist.test!).accuracy).toBeCloseTo(0.984, 4);
    } finally {
      await model.kernels.dispose();
    }
  });

  it.skipIf(!KERAS)(
    'writes what Keras writes for the same model: members, config keys, weight-file layout; reloads bit-exactly',
    async () => {
      const { model } = await loadModelFile(real, { threads: 1 });
      model.compile({ optimizer: new Adam() });
      const file = join(dir, 'ours.keras');
      await saveModelFile(model, file, { scale: 1 / 255 });
      const theirs = members(real);
      const ours = members(file);
      expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
      const cfg = (m: Record<string, Uint8Array>) => JSON.parse(new TextDecoder().decode(m['config.json'])) as Json;
      expect(keyShape(cfg(ours))).toEqual(keyShape(cfg(theirs)));
      const meta = JSON.parse(new TextDecoder().decode(ours['metadata.json'])) as Json;
      expect(meta.keras_version).toMatch(/^3\./);
      expect(meta.date_saved).toMatch(/^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);

      // The weight files: same groups, datasets and attributes, apart from the optimizer state Keras also keeps.
      const weights = async (m: Record<string, Uint8Array>, name: string) => {
        const path = join(dir, name);
        writeFileSync(path, m['model.weights.h5']);
        return treeShape(await readHdf5Tree(path)).filter((p) => !p.startsWith('/optimizer'));
      };
      expect(await weights(ours, 'ours.h5')).toEqual(await weights(theirs, 'theirs.h5'));

      const { model: back } = await loadModelFile(file, { threads: 1 });
      try {
        model.params.forEach((p, i) => {
          const q = back.params[i];
          expect(back.kernels.heap.f32(q.value, q.size)).toEqual(model.kernels.heap.f32(p.value, p.size));
        });
        const set = { ...mnist.test!, count: 500, images: mnist.test!.images.subarray(0, 500 * 784), labels: null };
        expect(predict(back, set).probabilities).toEqual(predict(model, set).probabilities);
      } finally {
        await back.kernels.dispose();
        await model.kernels.dispose();
      }
    },
  );

  it('refuses damaged archives with errors naming the file', async () => {
    // Damaged copies of an archive we write ourselves: this runs everywhere.
    const ours = join(dir, 'ours.keras');
    const model = preset('cnn').build(await createKernels({ threads: 1 }), 1);
    await saveModelFile(model, ours);
    await model.kernels.dispose();
    const bytes = readFileSync(ours);
    const cut = join(dir, 'cut.keras');
    writeFileSync(cut, bytes.subarray(0, 1000));
    await expect(loadModelFile(cut, { threads: 1 })).rejects.toThrow(/cut\.keras: corrupt zip archive/);
    const { zipSync } = await import('fflate');
    const noWeights = join(dir, 'noweights.keras');
    writeFileSync(noWeights, zipSync({ 'config.json': members(ours)['config.json'] }));
    await expect(loadModelFile(noWeights, { threads: 1 })).rejects.toThrow(
      /noweights\.keras: the archive has no model\.weights\.h5/,
    );
    const badConfig = join(dir, 'badconfig.keras');
    const m = members(ours);
    const cfg = JSON.parse(new TextDecoder().decode(m['config.json'])) as { config: { layers: Json[] } };
    cfg.config.layers[1].class_name = 'LocallyConnected2D';
    writeFileSync(badConfig, zipSync({ ...m, 'config.json': new TextEncoder().encode(JSON.stringify(cfg)) }));
    await expect(loadModelFile(badConfig, { threads: 1 })).rejects.toThrow(
      /layer "[\w-]+" \(LocallyConnected2D\): layer type LocallyConnected2D is not supported/,
    );
  });
});
