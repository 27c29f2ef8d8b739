import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { idxImageSet } from '../../src/data/idx-dataset.js';
import { classifyPreprocessed } from '../../src/vision/recognize.js';
import { loadModel } from '../../src/vision/model.js';
import { preprocess, type Preprocessed } from '../../src/vision/preprocess.js';
import { hasShared, sharedDataset } from '../helpers/fixtures.js';

/**
 * Real digits from other writers and scanners than MNIST's: the 7,291 USPS training digits (postal envelopes,
 * 16×16), read by the shipped model through `preprocess` as an app would get them.
 */
describe.skipIf(!hasShared('datasets', 'usps'))('USPS digits through preprocess and the shipped model', () => {
  it('as tight 16×16 crops (dark ink on white, no margin) ≥ 98 %; with a margin, light on dark, ≥ 98.5 %', async () => {
    const dir = sharedDataset('usps');
    const set = idxImageSet(join(dir, 'usps-train-images-idx3-ubyte'), join(dir, 'usps-train-labels-idx1-ubyte'));
    expect(set.count).toBe(7291);
    const model = await loadModel(undefined, { threads: 1 });
    try {
      const accuracy = (prepared: Preprocessed[]) =>
        classifyPreprocessed(model, prepared).filter((r, i) => r.label === set.labels![i]).length / set.count;
      const side = 16;
      const tight: Preprocessed[] = [];
      const margin: Preprocessed[] = [];
      for (let i = 0; i < set.count; i++) {
        const digit = set.images.subarray(i * side * side, (i + 1) * side * side);
        tight.push(preprocess({ width: side, height: side, channels: 1, data: digit.map((v) => 255 - v) }));
        const framed = new Uint8Array(48 * 48);
        for (let y = 0; y < side; y++) framed.set(digit.subarray(y * side, (y + 1) * side), (y + 16) * 48 + 16);
        margin.push(preprocess({ width: 48, height: 48, channels: 1, data: framed }));
      }
      expect(tight.every((p) => p.inverted)).toBe(true);
      expect(accuracy(tight)).toBeGreaterThanOrEqual(0.98);
      expect(accuracy(margin)).toBeGreaterThanOrEqual(0.985);
    } finally {
      await model.dispose();
    }
  });
});
