import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';

// The whole pictures the verifier learns recognize()'s question from (scripts/whole-examples.mjs, used by
// train-verifier.mjs). Once a renamed library function left every one of them null, silently, and the verifiers
// retrained so let more letters through; each kind must give an input.
type WholeExample = { input: Uint8Array; label: number } | null;
const MODULE = new URL('../../scripts/whole-examples.mjs', import.meta.url).href;

describe('scripts/whole-examples.mjs', () => {
  it('gives a 28×56 verifier input for every kind of picture, labelled one digit (1) or not (0)', async () => {
    const { wholeExample } = (await import(MODULE)) as {
      wholeExample: (i: number, set: unknown, others: unknown) => WholeExample;
    };
    const { train, test } = loadMnist();
    // Any image set serves as the non-digits here: the label follows the kind of picture, not the set.
    const examples = Array.from({ length: 10 }, (_, i) => wholeExample(64_000 + i, train, test));
    // Kinds in turn: an MNIST digit, a written digit, a written non-digit, several digits, a drawn digit.
    expect(examples.map((e) => e?.label)).toEqual([1, 1, 0, 0, 1, 1, 1, 0, 0, 1]);
    for (const e of examples) {
      expect(e!.input.length).toBe(28 * 56);
      expect(Math.max(...e!.input)).toBeGreaterThan(100); // ink in the view
    }
  });
});
