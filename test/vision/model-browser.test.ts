import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { ModelFormatError } from '../../src/errors.js';
import { predict } from '../../src/train/evaluate.js';
import {
  DEFAULT_JUDGE_FILE,
  DEFAULT_MODEL_FILE,
  DEFAULT_VERIFIER_FILE,
  loadModel as loadInNode,
} from '../../src/vision/model.js';
import { loadModel as loadInBrowser } from '../../src/vision/model-browser.js';
import { fixture, hasShared } from '../helpers/fixtures.js';

/** The real Keras files and photos of ../shared/fixtures (skipped, saying so, where they are missing). */
const KERAS = hasShared('fixtures', 'keras');

// The browser loader runs on h5wasm's web build, which also runs under Node: checked here against the Node loader.
describe('loadModel for browsers', () => {
  it.skipIf(!KERAS)('reads .h5 bytes (or a Blob) into the same model the Node loader builds', async () => {
    const test = loadMnist().test!;
    const few = {
      ...test,
      count: 200,
      images: test.images.subarray(0, 200 * 784),
      labels: test.labels!.subarray(0, 200),
    };
    for (const file of [fixture('keras/kiljaeden_mnist.h5'), DEFAULT_MODEL_FILE]) {
      const bytes = new Uint8Array(readFileSync(file));
      // Node's fetch cannot read file: URLs, so the shipped verifier and judge are given as bytes, as Blobs.
      const verifier = new Uint8Array(readFileSync(DEFAULT_VERIFIER_FILE));
      const judge = new Uint8Array(readFileSync(DEFAULT_JUDGE_FILE));
      const [node, browser, fromBlob] = await Promise.all([
        loadInNode(file, { threads: 1 }),
        loadInBrowser(bytes, { verifier, judge }),
        loadInBrowser(new Blob([bytes]), { verifier: new Blob([verifier]), judge: new Blob([judge]) }),
      ]);
      try {
        expect(browser.network.paramCount).toBe(node.network.paramCount);
        expect(browser.metadata).toEqual(node.metadata);
        expect([browser.scale, browser.shift]).toEqual([node.scale, node.shift]);
        const want = predict(node.network, few).probabilities;
        expect(predict(browser.network, few, { scale: browser.scale }).probabilities).toEqual(want);
        expect(predict(fromBlob.network, few, { scale: fromBlob.scale }).probabilities).toEqual(want);
        // The verifier too: the same network either way (run here on pairs of test digits as 28×56 inputs).
        const pairs = { ...few, count: 100, width: 56 };
        const wantVerifier = predict(node.verifier!, pairs).probabilities;
        expect(predict(browser.verifier!, pairs).probabilities).toEqual(wantVerifier);
        expect(predict(fromBlob.verifier!, pairs).probabilities).toEqual(wantVerifier);
        // And the judge, on the digits as they are.
        const wantJudge = predict(node.judge!, few).probabilities;
        expect(predict(browser.judge!, few).probabilities).toEqual(wantJudge);
        expect(predict(fromBlob.judge!, few).probabilities).toEqual(wantJudge);
      } finally {
        await Promise.all([node.dispose(), browser.dispose(), fromBlob.dispose()]);
      }
    }
  });

  it('refuses what is not an HDF5 model with a typed error', async () => {
    await expect(loadInBrowser(new Uint8Array([1, 2, 3]))).rejects.toThrow(ModelFormatError);
    await expect(loadInBrowser(new Uint8Array(64))).rejects.toThrow(/^model bytes: not a Keras HDF5/);
    const truncated = new Uint8Array(readFileSync(DEFAULT_MODEL_FILE)).subarray(0, 5000);
    await expect(loadInBrowser(truncated)).rejects.toThrow(ModelFormatError);
  });
});
