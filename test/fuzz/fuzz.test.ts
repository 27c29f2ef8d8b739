import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutate, mutation, targets } from './targets.js';

/**
 * Mutation fuzzing of every reader: bit flips, truncation, insertion, huge declared sizes. Each mutated input
 * must either parse or raise the reader's typed error — never another exception, never a hang. `npm test` runs
 * a short seeded pass (FUZZ_RUNS, default 150 per format); `npm run fuzz` runs 10,000 per format.
 */
const runs = Number(process.env.FUZZ_RUNS ?? 150);
const seed = Number(process.env.FUZZ_SEED ?? 20261124);
const MAX_MS = 2000;

describe(`fuzzed readers (${runs} mutated inputs each, seed ${seed})`, () => {
  for (const t of targets) {
    it(
      t.name,
      async () => {
        const sample = await t.sample();
        await t.read(sample); // the unmutated sample is valid
        let typed = 0;
        let parsed = 0;
        await fc.assert(
          fc.asyncProperty(mutation, async (m) => {
            const input = mutate(sample, m);
            const start = performance.now();
            try {
              await t.read(input);
              parsed++;
            } catch (e) {
              if (!(e instanceof t.error))
                throw new Error(`untyped ${String(e)} for ${JSON.stringify(m)}`, { cause: e });
              typed++;
            }
            expect(performance.now() - start).toBeLessThan(MAX_MS);
          }),
          { numRuns: runs, seed },
        );
        expect(typed + parsed).toBe(runs);
        expect(typed).toBeGreaterThan(0);
        if (process.env.FUZZ_REPORT) console.log(`${t.name}: ${runs} inputs, ${typed} typed errors, ${parsed} parsed`);
      },
      600_000,
    );
  }
});
