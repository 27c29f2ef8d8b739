import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMnist, type ImageSet } from '../../src/data/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { loadKerasH5 } from '../../src/io/keras-h5.js';
import { createKernels } from '../../src/kernels/index.js';
import { Adam } from '../../src/nn/optimizers/index.js';
import { preset } from '../../src/nn/presets.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { AUGMENT_PRESETS, makeAugmenter } from '../../src/data/augment.js';
import { reduceOnPlateau } from '../../src/train/callbacks.js';
import { fit, TrainingInterrupted, trainingStateProblem, type TrainingState } from '../../src/train/fit.js';
import type { ProgressReporter } from '../../src/train/progress.js';
import { tempDir } from '../helpers/formats.js';
import { mnistSubsetDir } from '../helpers/mnist-subset.js';

const mnist = loadMnist();
const train: ImageSet = {
  ...mnist.train!,
  count: 2000,
  images: mnist.train!.images.subarray(0, 2000 * 784),
  labels: mnist.train!.labels!.subarray(0, 2000),
};

function weights(m: Sequential): Float32Array {
  const all = m.params.map((p) => m.kernels.heap.f32(p.value, p.size).slice());
  const out = new Float32Array(all.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of all) out.set(a, (at += a.length) - a.length);
  return out;
}

/** Index of the first weight that differs bit for bit, or -1 (a plain toEqual diff of 670k floats is too slow). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer);
  const y = new Uint32Array(b.buffer);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

async function fresh(useEma = false): Promise<Sequential> {
  return preset('mlp')
    .build(await createKernels(), 11)
    .compile({ optimizer: new Adam({ useEma, emaMomentum: 0.95 }) });
}

/** Aborts once `step` of `epoch` is reached. */
function abortAt(epoch: number, step: number, controller: AbortController): ProgressReporter {
  let current = 0;
  return {
    epochBegin: (e) => void (current = e),
    step: (s) => {
      if (current === epoch && s === step) controller.abort();
    },
    epochEnd() {},
    close() {},
  };
}

describe('checkpoints and resume', () => {
  for (const [epoch, step, what, ema] of [
    [2, 7, 'mid-epoch', false],
    [1, 16, 'at an epoch boundary', false],
    [2, 7, 'mid-epoch with weight averages (useEma)', true],
  ] as const) {
    it(`resuming ${what} reaches bit-identical weights to an uninterrupted run`, async () => {
      const options = { epochs: 3, batchSize: 128, validationData: mnist.test };
      const straight = await fresh(ema);
      const h1 = await fit(straight, train, options);

      const dir = tempDir('digits-ckpt-');
      const first = await fresh(ema);
      const stop = new AbortController();
      let state: TrainingState | null = null;
      try {
        await fit(first, train, { ...options, signal: stop.signal, progress: abortAt(epoch, step, stop) });
      } catch (e) {
        expect(e).toBeInstanceOf(TrainingInterrupted);
        state = (e as TrainingInterrupted).state;
      }
      expect(state).not.toBeNull();
      await saveCheckpoint(first, dir, { state, recipe: { model: 'mlp' } });

      const c = await loadCheckpoint(dir, await createKernels());
      expect(c.model.optimizer?.iterations).toBe(first.optimizer?.iterations);
      const h2 = await fit(c.model, train, { ...options, resume: c.state as TrainingState });
      expect(firstDifference(weights(c.model), weights(straight))).toBe(-1);
      expect(h2.epochs.map((e) => e.val_accuracy)).toEqual(h1.epochs.map((e) => e.val_accuracy));
      expect(h2.epochs[2].loss).toBe(h1.epochs[2].loss);
    });
  }
});

describe('resume with a schedule, augmentation and reduce-on-plateau', () => {
  it('ends bit-identical to the uninterrupted run: rates, augmented batches and plateau state all follow', async () => {
    const small = train.count;
    const options = () => ({
      epochs: 3,
      batchSize: 100,
      validationData: {
        ...mnist.test!,
        count: 500,
        images: mnist.test!.images.subarray(0, 500 * 784),
        labels: mnist.test!.labels!.subarray(0, 500),
      },
      schedule: { kind: 'onecycle' } as const,
      augment: makeAugmenter(AUGMENT_PRESETS.standard, 28, 28),
      callbacks: [reduceOnPlateau({ patience: 1, factor: 0.5 })],
    });
    const make = async () =>
      preset('mlp-small')
        .build(await createKernels(), 5)
        .compile({ optimizer: new Adam({ learningRate: 0.01 }) });
    const straight = await make();
    const h1 = await fit(straight, train, options());
    expect(small).toBe(2000);
    // The rate follows the one-cycle shape: up, then down.
    const rates = h1.epochs.map((e) => e.learning_rate!);
    expect(rates[0]).toBeGreaterThan(rates[2]);

    const first = await make();
    const stop = new AbortController();
    let state: TrainingState | null = null;
    await fit(first, train, { ...options(), signal: stop.signal, progress: abortAt(2, 9, stop) }).catch(
      (e: unknown) => (state = (e as TrainingInterrupted).state),
    );
    expect(state).not.toBeNull();
    const dir = tempDir('digits-ckpt-');
    await saveCheckpoint(first, dir, { state, recipe: { model: 'mlp-small' } });
    const c = await loadCheckpoint(dir, await createKernels());
    const h2 = await fit(c.model, train, { ...options(), baseLearningRate: 0.01, resume: state! });
    expect(firstDifference(weights(c.model), weights(straight))).toBe(-1);
    expect(h2.epochs.map((e) => e.learning_rate)).toEqual(rates);
  });
});

describe('checkpoint state validation', () => {
  it('accepts the states fit produces and names what is wrong in damaged ones', async () => {
    const states: TrainingState[] = [];
    const m = await fresh();
    await fit(m, train, { epochs: 1, batchSize: 128, onEpochEnd: (_e, _l, s) => void states.push(s) });
    const stop = new AbortController();
    await fit(m, train, { epochs: 2, batchSize: 128, signal: stop.signal, progress: abortAt(2, 3, stop) }).catch(
      (e: unknown) => states.push((e as TrainingInterrupted).state),
    );
    expect(states.map((s) => [s.epoch, s.step])).toEqual([
      [1, 0],
      [1, 3],
    ]);
    for (const s of states) expect(trainingStateProblem(JSON.parse(JSON.stringify(s)))).toBeNull();
    const mid = states[1];
    const damaged: [unknown, RegExp][] = [
      [null, /no training state/],
      [{ ...mid, epoch: -1 }, /non-negative integers/],
      [{ ...mid, step: 1.5 }, /non-negative integers/],
      [{ ...mid, rng: [1, 2, 3] }, /bad RNG state/],
      [{ ...mid, rngAtEpochStart: null }, /epoch-start RNG/],
      [{ ...mid, partial: { ...mid.partial, lossSum: 'x' } }, /running sums/],
      [{ ...mid, history: [] }, /one entry per completed epoch/],
    ];
    for (const [s, message] of damaged) expect(trainingStateProblem(s)).toMatch(message);
  });
});

const bin = fileURLToPath(new URL('../../bin/digits.js', import.meta.url));

function digits(args: string[], onLine?: (line: string, kill: () => void) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // Run in a scratch directory: default outputs (results/, model/) must not land in the repository.
    const child = spawn(process.execPath, [bin, ...args], { cwd: tempDir('digits-cwd-') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const line of d.toString().split('\n')) onLine?.(line, () => child.kill('SIGINT'));
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('digits train --checkpoint-dir / --resume (CLI)', () => {
  it('Ctrl-C saves a checkpoint and exits; --resume finishes with the same weights as an uninterrupted run (with --sam)', async () => {
    const data = mnistSubsetDir(6000, 500);
    const dir = tempDir('digits-cli-ckpt-');
    // --sam: the resumed run must take its steps the way the checkpointed one did (the recipe carries it).
    const common = ['--data', data, '--epochs', '5', '--seed', '3', '--sam', '0.05'];
    const a = await digits(['train', ...common, '--out', join(dir, 'a.h5'), '--submission', join(dir, 'a.csv')]);
    expect(a.code).toBe(0);

    const ckpt = join(dir, 'ckpt');
    let sent = false;
    const b = await digits(['train', ...common, '--checkpoint-dir', ckpt, '--out', join(dir, 'b.h5')], (line, kill) => {
      if (!sent && line.startsWith('Epoch 1/5')) {
        sent = true;
        kill();
      }
    });
    expect(b.code).toBe(130);
    const lines = b.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: training interrupted at epoch \d, step \d+; checkpoint saved to .*checkpoint\.h5 \(continue with --resume\)$/,
    );

    // Without --epochs, --resume keeps the checkpoint's 5 epochs (not the default 10).
    const c = await digits([
      'train',
      '--data',
      data,
      '--checkpoint-dir',
      ckpt,
      '--resume',
      '--out',
      join(dir, 'b.h5'),
      '--submission',
      join(dir, 'b.csv'),
      '--json',
    ]);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/Resuming from .* at epoch \d, step \d+/);
    expect(JSON.parse(c.stdout.trim().split('\n').pop()!).epochs).toHaveLength(5);
    const ma = (await loadKerasH5(join(dir, 'a.h5'), await createKernels())).model;
    const mb = (await loadKerasH5(join(dir, 'b.h5'), await createKernels())).model;
    expect(firstDifference(weights(mb), weights(ma))).toBe(-1);
  }, 120_000);

  it('an absurd learning rate stops with a one-line error naming epoch and step', async () => {
    const data = mnistSubsetDir(1000, 100);
    const dir = tempDir('digits-nan-');
    const r = await digits([
      'train',
      '--data',
      data,
      '--epochs',
      '3',
      '--optimizer',
      'sgd',
      '--lr',
      '1e30',
      '--checkpoint-dir',
      dir,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: training diverged: loss or weights not finite at epoch 1, step \d+/);
  });
});
