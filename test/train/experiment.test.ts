import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist } from '../../src/data/index.js';
import { experimentCsv, experimentMarkdown, writeExperiment } from '../../src/report/experiment.js';
import { loadSharp } from '../../src/report/render.js';
import type { Kernels } from '../../src/kernels/index.js';
import { BatchNormalization } from '../../src/nn/layers/batch-norm.js';
import { Dense } from '../../src/nn/layers/dense.js';
import { Sequential } from '../../src/nn/sequential.js';
import { runExperiment } from '../../src/train/experiment.js';
import { tempDir } from '../helpers/formats.js';
import { subset } from '../helpers/mnist-subset.js';

describe('runExperiment', () => {
  const mnist = loadMnist();
  const n = 3000;
  const train = {
    ...mnist.train!,
    count: n,
    images: mnist.train!.images.subarray(0, n * 784),
    labels: mnist.train!.labels!.subarray(0, n),
  };
  const test = {
    ...mnist.test!,
    count: 1000,
    images: mnist.test!.images.subarray(0, 1000 * 784),
    labels: mnist.test!.labels!.subarray(0, 1000),
  };

  it('trains every optimizer × rate, scores each, records divergence and goes on; files parse back', async () => {
    const r = await runExperiment(train, test, {
      optimizers: ['adam', 'sgd'],
      learningRates: [1e-3, 1e4],
      model: 'mlp-small',
      epochs: 2,
      batchSize: 64,
      seed: 3,
      validationSplit: 0.2,
      threads: 1,
    });
    expect(r.runs.map((x) => [x.optimizer, x.learning_rate])).toEqual([
      ['adam', 1e-3],
      ['adam', 1e4],
      ['sgd', 1e-3],
      ['sgd', 1e4],
    ]);
    const [adam, adamHuge, sgd, sgdHuge] = r.runs;
    // Adam at its default rate learns 3,000 digits well in 2 epochs; plain SGD at 1e-3 barely starts.
    expect(adam.test_accuracy!).toBeGreaterThan(0.8);
    expect(sgd.test_accuracy!).toBeLessThan(adam.test_accuracy!);
    expect(adam.history.epochs).toHaveLength(2);
    expect(adam.best_val_accuracy).toBe(Math.max(...adam.history.epochs.map((e) => e.val_accuracy!)));
    // SGD at 1e4 overflows within a few steps; Adam's steps are bounded by the rate, so it stays finite but lost.
    expect(sgdHuge.diverged).toMatch(/diverged/);
    expect(sgdHuge.test_accuracy).toBeNull();
    expect(sgdHuge.best_val_accuracy).toBeNull();
    expect(adamHuge.diverged).toBeNull();
    expect(adamHuge.test_accuracy!).toBeLessThan(0.5);

    const md = experimentMarkdown(r.runs).trim().split('\n');
    expect(md).toHaveLength(2 + 4);
    expect(md[2]).toContain(`**${(adam.test_accuracy! * 100).toFixed(2)} %**`);
    expect(md[5]).toContain('diverged');
    const csv = experimentCsv(r.runs)
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(csv[0]).toEqual([
      'optimizer',
      'learning_rate',
      'best_val_accuracy',
      'best_epoch',
      'test_accuracy',
      'seconds',
      'diverged',
    ]);
    expect(Number(csv[1][4])).toBe(adam.test_accuracy);
    expect(csv[4][4]).toBe('');
    expect(csv[4][6]).toBe('yes');
    expect(csv[2][6]).toBe('no');

    const dir = tempDir();
    const files = await writeExperiment(r.runs, join(dir, 'exp'));
    expect(readFileSync(files.csv, 'utf8')).toBe(experimentCsv(r.runs));
    const svg = readFileSync(files.chart_svg, 'utf8');
    expect(svg).toContain('adam, 0.001');
    expect(svg).toContain('sgd, 0.001');
    const sharp = await loadSharp();
    const png = await sharp(files.chart_png).raw().toBuffer({ resolveWithObject: true });
    expect(png.info.width).toBeGreaterThan(800);
    // Lines are drawn in colour: some pixels are far from grey.
    let coloured = 0;
    const d = png.data;
    for (let i = 0; i < d.length; i += png.info.channels) {
      if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 80) coloured++;
    }
    expect(coloured).toBeGreaterThan(500);
  });

  it('emaMomentum and samRho reach every run and are recorded', async () => {
    const small = subset(train, 1500);
    const run = (extra: { emaMomentum?: number; samRho?: number }) =>
      runExperiment(small, null, {
        optimizers: ['adam', 'sgd'],
        learningRates: [1e-2],
        model: 'mlp-small',
        epochs: 1,
        batchSize: 100,
        seed: 3,
        validationSplit: 0.2,
        threads: 1,
        ...extra,
      });
    const plain = await run({});
    const sam = await run({ samRho: 0.05 });
    const ema = await run({ emaMomentum: 0.9 });
    expect([plain.sam_rho, plain.ema_momentum, sam.sam_rho, ema.ema_momentum]).toEqual([null, null, 0.05, 0.9]);
    for (let i = 0; i < 2; i++) {
      const [p, s, e] = [plain, sam, ema].map((r) => r.runs[i].history.epochs[0]);
      // SAM changes the steps (so the training loss); averaging leaves them and changes what is validated.
      expect(s.loss).not.toBe(p.loss);
      expect(e.loss).toBe(p.loss);
      expect(e.val_loss).not.toBe(p.val_loss);
    }
    // The files say what the runs shared: the markdown in a line above the table, the CSV in every row.
    const md = experimentMarkdown(sam.runs, sam).split('\n');
    expect(md[0]).toBe(
      'Every run: mlp-small, 1 epoch, batch 100, seed 3, 20 % of the training rows held out for validation, ' +
        'sharpness-aware steps with ρ 0.05.',
    );
    expect(md[2]).toMatch(/^\| optimizer \|/);
    expect(experimentMarkdown(ema.runs, ema).split('\n')[0]).toContain('weights averaged with EMA momentum 0.9.');
    const csv = experimentCsv(sam.runs, sam)
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(csv[0].slice(7)).toEqual([
      'model',
      'epochs',
      'batch_size',
      'seed',
      'validation_split',
      'momentum',
      'bn_reestimate',
      'ema_momentum',
      'sam_rho',
    ]);
    expect(csv.slice(1).map((row) => row.slice(7))).toEqual([
      ['mlp-small', '1', '100', '3', '0.2', '', '', '', '0.05'],
      ['mlp-small', '1', '100', '3', '0.2', '', '', '', '0.05'],
    ]);
  });

  it('settings in the files: every option named, a model path with a comma quoted', () => {
    const row = {
      optimizer: 'sgd',
      learning_rate: 0.1,
      best_val_accuracy: 0.5,
      best_epoch: 1,
      test_accuracy: 0.5,
      seconds: 1,
      diverged: null,
      history: { epochs: [] },
    };
    const settings = {
      model: 'nets/a,"b".json',
      epochs: 3,
      batch_size: 64,
      seed: 1,
      validation_split: 0.1,
      momentum: 0.9,
      bn_reestimate: 2048,
      ema_momentum: 0.999,
      sam_rho: 0.05,
    };
    expect(experimentMarkdown([row], settings).split('\n')[0]).toBe(
      'Every run: nets/a,"b".json, 3 epochs, batch 64, seed 1, 10 % of the training rows held out for validation, ' +
        'SGD momentum 0.9, batch-norm statistics re-estimated from 2048 images, weights averaged with EMA momentum ' +
        '0.999, sharpness-aware steps with ρ 0.05.',
    );
    const line = experimentCsv([row], settings).split('\n')[1];
    expect(line).toBe('sgd,0.1,0.5,1,0.5,1.000,no,"nets/a,""b"".json",3,64,1,0.1,0.9,2048,0.999,0.05');
  });

  it('reestimateBatchNorm: validation sees statistics of the current weights, not the lagging averages', async () => {
    // 12 steps at a high rate: the momentum averages still hold mostly their start (0, 1) after one epoch.
    const bnNet = async (k: Kernels, s: number) =>
      new Sequential(
        [new Dense(32, { activation: 'relu' }), new BatchNormalization(), new Dense(10, { activation: 'softmax' })],
        { inputShape: [784] },
      ).build(k, s);
    const small = subset(train, 1500);
    const val = async (reestimateBatchNorm: number) =>
      (
        await runExperiment(small, null, {
          optimizers: ['adam'],
          learningRates: [1e-2],
          model: 'dense-bn',
          makeModel: bnNet,
          epochs: 1,
          batchSize: 100,
          seed: 3,
          validationSplit: 0.2,
          threads: 1,
          reestimateBatchNorm,
        })
      ).runs[0].best_val_accuracy!;
    // The same steps (seeded) either way; measured 62 % against 80 %.
    expect(await val(300)).toBeGreaterThan((await val(0)) + 0.1);
  });
});
