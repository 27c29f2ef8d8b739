import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadKerasH5 } from '../../src/io/keras-h5.js';
import { createKernels } from '../../src/kernels/index.js';
import { Rng } from '../../src/nn/rng.js';
import { tempDir } from '../helpers/formats.js';

const saver = fileURLToPath(new URL('../helpers/save-loop.mjs', import.meta.url));

/** Starts the save loop, waits until it has saved for `ms`, then SIGKILLs it. */
function killDuringSave(target: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [saver, target], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.on('error', reject);
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), ms));
    child.on('exit', () => resolve());
  });
}

describe('crash-safe model writes', () => {
  it('a model file killed mid-save is always the old or the new complete model', async () => {
    const dir = tempDir('digits-kill-');
    const target = join(dir, 'model.h5');
    const rng = new Rng(7);
    const kills = Number(process.env.KILL_RUNS ?? 12);
    const seen = new Set<number>();
    for (let i = 0; i < kills; i++) {
      await killDuringSave(target, 5 + rng.int(120));
      expect(existsSync(target)).toBe(true);
      const { model } = await loadKerasH5(target, await createKernels({ threads: 1 }));
      const values = new Set<number>();
      for (const p of model.params) for (const v of model.kernels.heap.f32(p.value, p.size)) values.add(v);
      expect(values.size).toBe(1);
      const v = [...values][0];
      expect([1, 2]).toContain(v);
      seen.add(v);
    }
    // Temp files of killed writes may remain beside the target; the target itself is never partial.
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual(['model.h5']);
    expect(seen.size).toBeGreaterThan(0);
  }, 120_000);
});
