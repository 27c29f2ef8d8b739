import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sequentialFromConfig } from '../src/io/keras-config.js';
import { createKernels } from '../src/kernels/index.js';
import { tempDir } from './helpers/formats.js';

// The architecture files in examples/ (what README points users to for `digits train --model FILE.json`) build
// as documented. Parameter counts by hand, e.g. M5-half: 5×5 convolutions 25·(1·16 + 16·32 + 32·48 + 48·64 +
// 64·80) = 256,400, batch norm 4·(16 + 32 + 48 + 64 + 80) = 960, Dense 8·8·80·10 = 51,200, its batch norm 40.
const EXAMPLES: [string, number, number][] = [
  ['an2020-m3', 10, 1_126_280],
  ['an2020-m5', 5, 1_129_160],
  ['an2020-m7', 4, 2_292_952],
  ['an2020-m5-half', 5, 308_600],
  ['an2020-m7-half', 4, 582_016],
];

describe('examples/architectures', () => {
  for (const [name, convolutions, params] of EXAMPLES)
    it(`${name}: ${convolutions} convolutions, ${params} parameters, 28×28×1 in, 10 out`, async () => {
      const file = new URL(`../examples/architectures/${name}.json`, import.meta.url);
      const model = sequentialFromConfig(JSON.parse(readFileSync(file, 'utf8')), name);
      const kernels = await createKernels({ threads: 1 });
      try {
        model.build(kernels, 1);
        expect(model.inputShape).toEqual([28, 28, 1]);
        expect(model.classes).toBe(10);
        expect(model.paramCount).toBe(params);
        expect(model.layers.filter((l) => l.className === 'Conv2D')).toHaveLength(convolutions);
      } finally {
        await kernels.dispose();
      }
    });
});

describe('examples/*.mjs run as a user runs them (importing the package by its name)', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, args, { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' });

  it('read-digits.mjs reads a 7 with recognize and a 4-digit string with detect, and says the string is several', () => {
    const r = run(['examples/read-digits.mjs']);
    expect(r.status, r.stderr).toBe(0);
    const truth = /the string reads (\d{4})/.exec(r.stdout)![1];
    expect(r.stdout).toMatch(/28×28 pixels: recognize → 7 \(\d+\.\d %\); detect → "7"/);
    expect(r.stdout).toContain(`recognize → not a digit (several digits: use detect); detect → "${truth}"`);
  });

  it('train-mlp.mjs trains, evaluates and saves the seed MLP and a network of its own', () => {
    const dir = tempDir();
    const r = run(['examples/train-mlp.mjs', '1', join(dir, 'm.h5')]);
    expect(r.status, r.stderr).toBe(0);
    const [seed, own] = [...r.stdout.matchAll(/test accuracy (\d+\.\d+) %/g)].map((m) => Number(m[1]));
    expect(seed).toBeGreaterThan(96);
    expect(own).toBeGreaterThan(94);
    expect(existsSync(join(dir, 'm.h5'))).toBe(true);
    expect(readFileSync(join(dir, 'm-submission.csv'), 'utf8').split('\n')[0]).toBe('ImageId,Label');
  });
});
