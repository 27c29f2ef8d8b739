import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { ModelFormatError } from '../../src/errors.js';
import { evaluate } from '../../src/train/evaluate.js';
import { detect } from '../../src/vision/detect.js';
import { DEFAULT_MODEL_FILE, loadModel } from '../../src/vision/model.js';
import { recognize } from '../../src/vision/recognize.js';
import { fixture, hasShared } from '../helpers/fixtures.js';

/** The real Keras files and photos of ../shared/fixtures (skipped, saying so, where they are missing). */
const KERAS = hasShared('fixtures', 'keras');

describe('loadModel', () => {
  it('the shipped default model loads with no argument, reaches ≥ 99.5 % on MNIST test and reads a photo', async () => {
    const model = await loadModel(undefined, { threads: 1 });
    try {
      expect(model.scale).toBeCloseTo(1 / 255, 12);
      expect(model.shift).toBe(0);
      expect(model.metadata?.recipe?.model).toBe('cnn-best');
      const test = loadMnist().test!;
      const e = evaluate(model.network, test);
      expect(e.count).toBe(10000);
      expect(e.accuracy).toBeGreaterThanOrEqual(0.995);
      // What the file says about itself is what it does.
      expect(model.metadata?.evaluation?.accuracy).toBeCloseTo(e.accuracy, 6);
      if (KERAS) {
        const photo = await recognize(model, fixture('keras/kiljaeden_7.jpg'));
        expect(photo.label).toBe(7);
        expect(photo.isDigit).toBe(true);
        expect(photo.probabilities).toHaveLength(10);
        expect(photo.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
    } finally {
      await model.dispose();
    }
  });

  it.skipIf(!KERAS)('loads a file by path or from its bytes, and both classify identically', async () => {
    const file = fixture('keras/kiljaeden_mnist.h5');
    const byPath = await loadModel(file, { threads: 1 });
    const bytes = readFileSync(file);
    const byBytes = await loadModel(new Uint8Array(bytes), { threads: 1 });
    const byBuffer = await loadModel(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), {
      threads: 1,
    });
    try {
      const photo = readFileSync(fixture('keras/kiljaeden_7.jpg'));
      const a = await recognize(byPath, photo);
      const b = await recognize(byBytes, photo);
      const c = await recognize(byBuffer, photo);
      expect(a.label).toBe(7);
      expect(b.probabilities).toEqual(a.probabilities);
      expect(c.probabilities).toEqual(a.probabilities);
      // detect() takes the same model.
      expect((await detect(byPath, photo)).text).toBe('7');
    } finally {
      await Promise.all([byPath.dispose(), byBytes.dispose(), byBuffer.dispose()]);
    }
  });

  it.skipIf(!KERAS)('uses the scaling the caller gives for models from elsewhere', async () => {
    const model = await loadModel(fixture('keras/kiljaeden_mnist.h5'), { threads: 1, scale: 1 / 255, shift: -0.5 });
    try {
      expect(model.shift).toBe(-0.5);
      const normal = await loadModel(fixture('keras/kiljaeden_mnist.h5'), { threads: 1 });
      try {
        const photo = fixture('keras/kiljaeden_7.jpg');
        const shifted = await recognize(model, photo);
        const plain = await recognize(normal, photo);
        expect(shifted.probabilities).not.toEqual(plain.probabilities);
        // Per-call options win over the model's own scaling.
        expect((await recognize(model, photo, { shift: 0 })).probabilities).toEqual(plain.probabilities);
      } finally {
        await normal.dispose();
      }
    } finally {
      await model.dispose();
    }
  });

  it('refuses what is not a model with a typed error naming the source', async () => {
    await expect(loadModel(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).rejects.toThrow(ModelFormatError);
    await expect(loadModel(new Uint8Array(100))).rejects.toThrow(/^model bytes: /);
    await expect(loadModel('/nonexistent/m.h5')).rejects.toThrow(/\/nonexistent\/m\.h5: no such file/);
    expect(DEFAULT_MODEL_FILE).toMatch(/models[\\/]default\.h5$/);
  });
});
