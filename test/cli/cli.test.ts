import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, hasShared } from '../helpers/fixtures.js';
import { digits, expectFailures, lastJson } from '../helpers/cli.js';
import { tempDir } from '../helpers/formats.js';
import { mnistSubsetDir } from '../helpers/mnist-subset.js';

/** Models written by real Keras (../shared/fixtures; the tests that read them are skipped, saying so, without). */
const KERAS = hasShared('fixtures', 'keras');

/** End-to-end: the built CLI on a 3,000 / 1,000 image MNIST subset. */
describe('digits CLI', () => {
  const data = mnistSubsetDir(3000, 1000);
  const dir = tempDir();
  const model = join(dir, 'model', 'm.h5');
  const submission = join(dir, 'results', 'submission.csv');
  const reportDir = join(dir, 'report');
  let trained: Record<string, unknown>;

  beforeAll(async () => {
    const r = await digits(
      'train',
      '--data',
      data,
      '--epochs',
      '3',
      '--seed',
      '1',
      '--out',
      model,
      '--submission',
      submission,
      '--report-dir',
      reportDir,
      '--json',
    );
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    trained = lastJson(r.stdout);
  });

  it('train --json reports epochs, test accuracy and writes the model and submission', () => {
    expect(trained.model).toBe('mlp');
    const epochs = trained.epochs as Record<string, number>[];
    expect(epochs).toHaveLength(3);
    for (const e of epochs)
      expect(Object.keys(e).sort()).toEqual([
        'accuracy',
        'learning_rate',
        'loss',
        'seconds',
        'val_accuracy',
        'val_loss',
      ]);
    expect(epochs[2].loss).toBeLessThan(epochs[0].loss);
    expect(trained.test_accuracy).toBeGreaterThan(0.88);
    expect(trained.out).toBe(model);
    expect(existsSync(model)).toBe(true);
    const rows = readFileSync(submission, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('ImageId,Label');
    expect(rows).toHaveLength(1001);
    expect(rows[1]).toMatch(/^1,\d$/);
  });

  it('evaluate on the saved file reproduces the accuracy printed by train', async () => {
    const r = await digits('evaluate', '--model', model, '--data', data, '--json');
    expect(r.code).toBe(0);
    const e = lastJson(r.stdout);
    expect(e.accuracy).toBe(trained.test_accuracy);
    expect(e.loss).toBeCloseTo(trained.test_loss as number, 6);
    expect(e.count).toBe(1000);
  });

  it('predict writes the same Kaggle CSV as training did', async () => {
    const out = join(dir, 'pred.csv');
    const r = await digits('predict', '--model', model, '--input', data, '--out', out, '--json');
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout)).toEqual({ out, count: 1000 });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(submission, 'utf8'));
  });

  it('train writes the report; digits report on the saved file gives the same numbers and pictures', async () => {
    const files = trained.report as Record<string, string>;
    const names = ['curves.png', 'correct.png', 'incorrect.png', 'confusion.png', 'calibration.png', 'report.html'];
    expect(Object.keys(files).sort()).toEqual([...names].sort());
    for (const name of names) expect(files[name]).toBe(join(reportDir, name));
    for (const f of Object.values(files)) expect(existsSync(f)).toBe(true);

    const out = join(dir, 'report2');
    const r = await digits('report', '--model', model, '--data', data, '--out', out, '--json');
    expect(r.code).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.accuracy).toBe(trained.test_accuracy);
    expect(j.loss).toBeCloseTo(trained.test_loss as number, 6);
    expect(j.count).toBe(1000);
    const matrix = j.confusion_matrix as number[][];
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(1000);
    expect(matrix.reduce((a, row, i) => a + row[i], 0)).toBe(j.correct);
    expect(j.correct).toBe(Math.round((trained.test_accuracy as number) * 1000));
    expect((j.per_class as unknown[]).length).toBe(10);
    expect(typeof j.ece).toBe('number');
    // Same model, same seed: the same sample images and the same pictures as the report train wrote.
    for (const name of names.filter((n) => n.endsWith('.png')))
      expect(readFileSync(join(out, name)).equals(readFileSync(files[name]))).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Training recipe');
  });

  it.skipIf(!KERAS)('report works on a model written by real Keras: no history, so no curves', async () => {
    const out = join(dir, 'report-keras');
    const r = await digits('report', '--model', fixture('keras/dig94_keras_mnist.h5'), '--out', out, '--json');
    expect(r.code).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.count).toBe(10_000);
    expect(j.accuracy).toBeCloseTo(0.9768, 4);
    expect((j.files as Record<string, string | null>)['curves.png']).toBeNull();
    expect(existsSync(join(out, 'confusion.png'))).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('no training history');
  });

  it('summary prints the Keras-style table; --json gives layers and counts', async () => {
    const text = await digits('summary', '--model', model);
    expect(text.stdout).toContain('Total params: 669,706');
    const j = lastJson((await digits('summary', '--model', model, '--json')).stdout);
    expect(j.total_params).toBe(669_706);
    expect((j.layers as { type: string }[]).map((l) => l.type)).toEqual([
      'Dense',
      'Dropout',
      'Dense',
      'Dropout',
      'Dense',
    ]);
  });

  it('--config fills options from a JSON file; flags on the command line win; the recipe is recorded', async () => {
    const config = join(dir, 'run.json');
    writeFileSync(
      config,
      JSON.stringify({
        model: 'mlp-small',
        epochs: 2,
        'batch-size': 64,
        optimizer: 'adamw',
        schedule: 'cosine',
        warmup: 1,
        augment: 'light',
        keepBest: true,
        bnReestimate: 500,
        labelSmoothing: 0.1,
        ema: 0.99,
        sam: 0.05,
        report: false,
      }),
    );
    const out = join(dir, 'cfg.h5');
    const r = await digits('train', '--config', config, '--epochs', '1', '--data', data, '--out', out, '--json');
    expect(r.stderr).not.toMatch(/^error/m);
    const j = lastJson(r.stdout);
    expect(j.model).toBe('mlp-small');
    expect((j.epochs as unknown[]).length).toBe(1); // the flag beat the file's 2
    expect(j.report).toBeNull(); // "report": false
    const summary = await digits('summary', '--model', out, '--json');
    expect(summary.code).toBe(0);
    const h5 = await import('h5wasm/node');
    await h5.ready;
    const f = new h5.File(out, 'r');
    const meta = JSON.parse(String(f.attrs.digits_metadata.value)) as { recipe: Record<string, unknown> };
    const training = JSON.parse(String(f.attrs.training_config.value)) as {
      optimizer_config: { class_name: string; config: Record<string, unknown> };
    };
    f.close();
    expect(meta.recipe).toMatchObject({
      batch_size: 64,
      optimizer: 'adamw',
      schedule: { kind: 'cosine', warmup: 1 },
      keep_best: true,
      reestimate_batch_norm: 500,
      label_smoothing: 0.1,
      ema_momentum: 0.99,
      sam_rho: 0.05,
      augment: { rotation: 10, shift: 0.1, zoom: 0.1 },
    });
    expect(training.optimizer_config.class_name).toBe('AdamW');
    expect(training.optimizer_config.config).toMatchObject({ use_ema: true, ema_momentum: 0.99 });

    writeFileSync(config, JSON.stringify({ epochs: 'many' }));
    const bad = await digits('train', '--config', config);
    expect(bad.stderr.trim()).toMatch(/^error: .*run\.json: "epochs": expected a positive integer$/);
    writeFileSync(config, JSON.stringify({ colour: 'blue' }));
    expect((await digits('train', '--config', config)).stderr.trim()).toMatch(/unknown option "colour"/);
  });

  it('experiment trains the grid and writes the table, CSV and chart', async () => {
    const out = join(dir, 'exp');
    const r = await digits(
      'experiment',
      '--data',
      data,
      '--model',
      'mlp-small',
      '--epochs',
      '1',
      '--optimizers',
      'adam,sgd',
      '--lrs',
      '1e-3',
      '--sam',
      '0.05',
      '--out-dir',
      out,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout);
    expect([j.sam_rho, j.ema_momentum, j.momentum, j.bn_reestimate]).toEqual([0.05, null, null, null]);
    expect(j.batch_size).toBe(128);
    const runs = j.runs as { optimizer: string; test_accuracy: number; val_accuracy: number[] }[];
    expect(runs.map((x) => x.optimizer)).toEqual(['adam', 'sgd']);
    expect(runs[0].val_accuracy).toHaveLength(1);
    const csv = readFileSync(join(out, 'experiment.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(Number(csv[1].split(',')[4])).toBe(runs[0].test_accuracy);
    expect(csv[1].split(',').at(-1)).toBe('0.05');
    const md = readFileSync(join(out, 'experiment.md'), 'utf8');
    expect(md).toContain('| adam | 0.001 |');
    expect(md.split('\n')[0]).toMatch(/^Every run: .*sharpness-aware steps with ρ 0\.05\.$/);
    expect(existsSync(join(out, 'validation-curves.png'))).toBe(true);
  });

  it('experiment --emit writes one train --config file per run; --collect gathers what train saved', async () => {
    const grid = join(dir, 'grid');
    const common = ['--data', data, '--model', 'mlp-small', '--epochs', '2', '--optimizers', 'adam,sgd'];
    const emitted = await digits(
      'experiment',
      ...common,
      '--lrs',
      '1e-3',
      '--momentum',
      '0.9',
      '--emit',
      grid,
      '--json',
    );
    expect(emitted.code, emitted.stderr).toBe(0);
    const files = lastJson(emitted.stdout).runs as string[];
    expect(files.map((f) => f.split('/').at(-1))).toEqual(['adam-0.001.json', 'sgd-0.001.json']);
    const sgd = JSON.parse(readFileSync(files[1], 'utf8'));
    expect(sgd).toMatchObject({ model: 'mlp-small', epochs: 2, optimizer: 'sgd', lr: 0.001, momentum: 0.9 });
    expect(sgd['validation-split']).toBe(0.1);
    expect(JSON.parse(readFileSync(files[0], 'utf8')).momentum).toBeUndefined(); // momentum is SGD's
    // Only the first run has finished when the results are first gathered.
    const first = await digits('train', '--config', files[0], '--json');
    expect(first.code, first.stderr).toBe(0);
    const partial = await digits('experiment', '--collect', grid, '--out-dir', join(grid, 'table'), '--json');
    expect(partial.code, partial.stderr).toBe(0);
    const rows = lastJson(partial.stdout).runs as {
      optimizer: string;
      test_accuracy: number | null;
      diverged: string | null;
      val_accuracy: number[];
    }[];
    expect(rows.map((r) => [r.optimizer, r.diverged === null])).toEqual([
      ['adam', true],
      ['sgd', false],
    ]);
    expect(rows[0].test_accuracy).toBe(lastJson(first.stdout).test_accuracy);
    expect(rows[0].val_accuracy).toHaveLength(2);
    expect(readFileSync(join(grid, 'table', 'experiment.md'), 'utf8')).toMatch(
      /\| sgd \| 0\.001 \| – \| not finished \|/,
    );
    expect(await digits('train', '--config', files[1])).toMatchObject({ code: 0 });
    const all = lastJson(
      (await digits('experiment', '--collect', grid, '--out-dir', join(grid, 'table'), '--json')).stdout,
    );
    expect((all.runs as { diverged: string | null }[]).every((r) => r.diverged === null)).toBe(true);
    expect(all.model).toBe('mlp-small');
    expect(all.momentum).toBe(0.9); // the grid's SGD momentum, though only the SGD run records it
    const csv = readFileSync(join(grid, 'table', 'experiment.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv).toHaveLength(3);
  });

  it.skipIf(!KERAS)(
    'ensemble of three real Keras models: per-model and combined accuracies, and its submission',
    async () => {
      const models = ['keras/kiljaeden_mnist.h5', 'keras/aser_mnist_model.h5', 'keras/dig94_keras_mnist.h5'].map(
        fixture,
      );
      const sub = join(dir, 'ensemble.csv');
      const r = await digits('ensemble', '--models', models.join(','), '--submission', sub, '--json');
      expect(r.code, r.stderr).toBe(0);
      const j = lastJson(r.stdout);
      expect((j.models as { accuracy: number }[]).map((m) => m.accuracy)).toEqual([0.9903, 0.9808, 0.9768]);
      expect(j.mode).toBe('vote');
      expect(j.accuracy).toBe(j.vote_accuracy);
      // Three different models together beat the two weaker ones.
      expect(j.vote_accuracy as number).toBeGreaterThan(0.9808);
      expect(j.average_accuracy as number).toBeGreaterThan(0.9808);
      const rows = readFileSync(sub, 'utf8').trim().split('\n');
      expect(rows[0]).toBe('ImageId,Label');
      expect(rows).toHaveLength(10_001);
      // How the members' mistakes overlap: every image counted once, every member error counted once.
      const missedBy = j.missed_by as number[];
      expect(missedBy).toHaveLength(4);
      expect(missedBy.reduce((a, b) => a + b, 0)).toBe(10_000);
      const errors = (j.models as { accuracy: number }[]).reduce(
        (a, m) => a + Math.round((1 - m.accuracy) * 10_000),
        0,
      );
      expect(missedBy.reduce((a, n, k) => a + k * n, 0)).toBe(errors);
      expect(j.oracle_accuracy).toBe(1 - missedBy[3] / 10_000);
      expect(j.oracle_accuracy as number).toBeGreaterThanOrEqual(j.vote_accuracy as number);
      const d = j.disagreement as number[][];
      for (let a = 0; a < 3; a++) {
        expect(d[a][a]).toBe(0);
        for (let b = 0; b < 3; b++) expect(d[a][b]).toBe(d[b][a]);
      }
      // Two models that disagree on an image cannot both be right: a pair's disagreement covers their error gap.
      expect(d[0][1]).toBeGreaterThanOrEqual(0.9903 - 0.9808 - 1e-9);
      expect(r.stderr).toMatch(/Missed by 1…3 of the 3 models: \d+, \d+, \d+ images/);
      const avg = lastJson((await digits('ensemble', '--models', models.join(','), '--average', '--json')).stdout);
      expect(avg.accuracy).toBe(j.average_accuracy);
    },
  );

  it('train --model arch.json trains a Keras model JSON architecture and saves it with its layers', async () => {
    const layer = (class_name: string, config: Record<string, unknown>) => ({ class_name, config });
    const architecture = (input: number[], units: number) =>
      JSON.stringify({
        class_name: 'Sequential',
        config: {
          name: 'small_convnet',
          layers: [
            layer('InputLayer', { batch_input_shape: [null, ...input] }),
            layer('Conv2D', { name: 'conv', filters: 8, kernel_size: [3, 3], activation: 'linear', use_bias: false }),
            layer('BatchNormalization', { name: 'bn' }),
            layer('Activation', { name: 'relu', activation: 'relu' }),
            layer('MaxPooling2D', { name: 'pool', pool_size: [2, 2] }),
            layer('Flatten', { name: 'flatten' }),
            layer('Dense', { name: 'out', units, activation: 'softmax' }),
          ],
        },
      });
    const arch = join(dir, 'small.json');
    writeFileSync(arch, architecture([28, 28, 1], 10));
    const out = join(dir, 'small.h5');
    // Small batches: batch norm's moving averages (momentum 0.99) need a few hundred steps to settle.
    const r = await digits(
      'train',
      '--model',
      arch,
      '--data',
      data,
      '--epochs',
      '2',
      '--batch-size',
      '16',
      '--out',
      out,
      '--no-report',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.model).toBe(arch);
    expect(j.test_accuracy as number).toBeGreaterThan(0.85);
    const summary = lastJson((await digits('summary', '--model', out, '--json')).stdout);
    expect((summary.layers as { type: string }[]).map((l) => l.type)).toEqual([
      'Conv2D',
      'BatchNormalization',
      'Activation',
      'MaxPooling2D',
      'Flatten',
      'Dense',
    ]);
    expect(summary.total_params).toBe(72 + 32 + 13 * 13 * 8 * 10 + 10);

    // With large batches, one epoch is 24 steps: too few for the moving averages, unless re-estimated (58 → 76 %).
    const oneEpoch = async (...extra: string[]) => {
      const args = ['--model', arch, '--data', data, '--epochs', '1', '--batch-size', '128', '--no-report'];
      const run = await digits('train', ...args, '--out', join(dir, 'bn.h5'), ...extra, '--json');
      expect(run.code, run.stderr).toBe(0);
      return lastJson(run.stdout).test_accuracy as number;
    };
    expect(await oneEpoch('--bn-reestimate', '1000')).toBeGreaterThan((await oneEpoch()) + 0.1);

    const wrongInput = join(dir, 'wrong-input.json');
    writeFileSync(wrongInput, architecture([32, 32, 1], 10));
    const wrongClasses = join(dir, 'wrong-classes.json');
    writeFileSync(wrongClasses, architecture([28, 28, 1], 5));
    const cases: [string[], RegExp][] = [
      [
        ['train', '--model', wrongInput, '--data', data],
        /^error: .*wrong-input\.json: the architecture takes inputs of shape \[32, 32, 1\], but the images are 28×28/,
      ],
      [
        ['train', '--model', wrongClasses, '--data', data],
        /^error: .*wrong-classes\.json: the architecture outputs 5 values, but the data has 10 classes$/,
      ],
      [
        ['experiment', '--model', wrongClasses, '--data', data, '--lrs', '0.001', '--optimizers', 'adam'],
        /^error: .*wrong-classes\.json: the architecture outputs 5 values, but the data has 10 classes$/,
      ],
      [['train', '--model', join(dir, 'none.json')], /^error: .*none\.json: cannot read the architecture file/],
    ];
    if (KERAS)
      cases.push([
        ['train', '--model', fixture('keras/ayush_ann.h5'), '--data', data],
        /^error: .*ayush_ann\.h5: a weights-only file \(save_weights\); join it to its architecture first: digits export/,
      ]);
    await expectFailures(cases);
  });

  it("train --model FILE.h5 starts from digits' own saved model", async () => {
    const again = join(dir, 'again.h5');
    const args = ['--data', data, '--no-report', '--json', '--out', again, '--submission', join(dir, 'again.csv')];
    // One epoch at a tiny rate: it continues from the loaded weights, so it scores about as before.
    const one = await digits('train', '--model', model, '--epochs', '1', '--lr', '1e-7', ...args);
    expect(one.code, one.stderr).toBe(0);
    expect(lastJson(one.stdout).test_accuracy as number).toBeCloseTo(trained.test_accuracy as number, 2);
  });

  it.skipIf(!KERAS)('train --model FILE.h5 starts from a model written by Keras', async () => {
    const again = join(dir, 'again-keras.h5');
    const args = ['--data', data, '--no-report', '--json', '--out', again, '--submission', join(dir, 'again.csv')];
    const keras = fixture('keras/kiljaeden_mnist.h5');
    const before = lastJson((await digits('evaluate', '--model', keras, '--data', data, '--json')).stdout);
    // One epoch more, at a small rate: it trains, and stays near where it started (far above a fresh network).
    const one = await digits('train', '--model', keras, '--epochs', '1', '--lr', '1e-4', ...args);
    expect(one.code, one.stderr).toBe(0);
    const j = lastJson(one.stdout);
    expect((j.epochs as unknown[]).length).toBe(1);
    expect(j.test_accuracy as number).toBeGreaterThan((before.accuracy as number) - 0.02);
    const summary = lastJson((await digits('summary', '--model', again, '--json')).stdout);
    const original = lastJson((await digits('summary', '--model', keras, '--json')).stdout);
    expect(summary.layers).toEqual(original.layers);
  });

  it.skipIf(!KERAS)('evaluate takes --arch for a weights-only file and --normalize for its input scaling', async () => {
    const arch = join(dir, 'ayush.json');
    const dense = (name: string, units: number, activation: string) => ({
      class_name: 'Dense',
      config: { name, units, activation },
    });
    writeFileSync(
      arch,
      JSON.stringify({
        class_name: 'Sequential',
        config: {
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 784] } },
            dense('dense', 64, 'relu'),
            dense('dense_1', 64, 'relu'),
            dense('dense_2', 10, 'softmax'),
          ],
        },
      }),
    );
    const model = fixture('keras/ayush_ann.h5');
    const r = await digits('evaluate', '--model', model, '--arch', arch, '--normalize', '0.5,1', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout).accuracy).toBe(0.9718);
    const plain = lastJson((await digits('evaluate', '--model', model, '--arch', arch, '--json')).stdout);
    expect(plain.accuracy as number).toBeLessThan(0.95); // the wrong input scaling costs accuracy
  });

  it('export writes ONNX, .keras and .h5 versions that give the same results', async () => {
    const onnxFile = join(dir, 'export', 'm.onnx');
    const kerasFile = join(dir, 'export', 'm.keras');
    const h5File = join(dir, 'export', 'copy.h5');
    const r = await digits(
      'export',
      '--model',
      model,
      '--onnx',
      onnxFile,
      '--keras',
      kerasFile,
      '--h5',
      h5File,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ onnx: onnxFile, keras: kerasFile, h5: h5File });
    for (const file of [kerasFile, h5File]) {
      const e = lastJson((await digits('evaluate', '--model', file, '--data', data, '--json')).stdout);
      expect(e.accuracy, file).toBe(trained.test_accuracy);
    }
    const ort = await import('onnxruntime-web');
    const session = await ort.InferenceSession.create(readFileSync(onnxFile));
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
  });

  it('recognize reads images, preprocesses them like MNIST and classifies them with one model load', async () => {
    const sharp = (await import('sharp')).default;
    const test = (await import('../../src/data/index.js')).loadMnist().test!;
    const files: string[] = [];
    for (const i of [0, 1]) {
      // An MNIST test digit as dark ink on white paper, enlarged 3×, saved as PNG.
      const ink = Buffer.from(test.images.subarray(i * 784, (i + 1) * 784).map((v) => 255 - v));
      const file = join(dir, `digit${i}.png`);
      await sharp(ink, { raw: { width: 28, height: 28, channels: 1 } })
        .resize(84, 84, { kernel: 'nearest' })
        .extend({ top: 20, bottom: 30, left: 40, right: 10, background: '#ffffff' })
        .png()
        .toFile(file);
      files.push(file);
    }
    const r = await digits('recognize', ...files, '--json');
    expect(r.code, r.stderr).toBe(0);
    const results = lastJson(r.stdout).results as { file: string; label: number; probabilities: number[] }[];
    expect(results.map((x) => x.label)).toEqual([test.labels![0], test.labels![1]]);
    expect(results[0].probabilities).toHaveLength(10);
    expect(results.map((x) => (x as { is_digit?: boolean }).is_digit)).toEqual([true, true]);
    // A blank page is read, and said to hold no digit.
    const blankFile = join(dir, 'blank.png');
    await sharp({ create: { width: 60, height: 60, channels: 3, background: '#f4f4f4' } })
      .png()
      .toFile(blankFile);
    const blank = await digits('recognize', blankFile, '--json');
    expect(blank.code, blank.stderr).toBe(0);
    expect((lastJson(blank.stdout).results as unknown[])[0]).toMatchObject({ is_digit: false, reason: 'blank' });
    expect(blank.stderr).toContain('blank.png: blank (no ink)');
    const bad = join(dir, 'notes.txt');
    writeFileSync(bad, 'not an image');
    const mixed = await digits('recognize', files[0], bad, '--json');
    expect(mixed.code).not.toBe(0);
    const errLines = mixed.stderr.trim().split('\n');
    expect(errLines.filter((l) => l.startsWith('error:'))).toEqual(['error: 1 of 2 images could not be recognised']);
    expect(errLines.at(-1)).toBe('error: 1 of 2 images could not be recognised');
    const partial = lastJson(mixed.stdout).results as { label?: number; error?: string }[];
    expect(partial[0].label).toBe(test.labels![0]);
    expect(partial[1].error).toMatch(/notes\.txt: not a readable image/);
    // A letter is not a digit, and the line says what both judges made of it; a missing judge file is named.
    const { drawnMark } = await import('../../src/data/non-digits.js');
    const star = drawnMark(9_100_002, 'star');
    const starFile = join(dir, 'star.png');
    await sharp(Buffer.from(star.data), { raw: { width: star.width, height: star.height, channels: 1 } })
      .png()
      .toFile(starFile);
    const notDigit = await digits('recognize', starFile);
    expect(notDigit.code, notDigit.stderr).toBe(0);
    expect(notDigit.stdout).toMatch(
      /star\.png: not a digit \(the model would read \d, [\d.]+ %; shaped like a digit: [\d.]+ %; one whole digit: [\d.]+ %\)/,
    );
    const noJudge = await digits('recognize', starFile, '--judge', join(dir, 'nojudge.h5'));
    expect(noJudge.code).not.toBe(0);
    expect(noJudge.stderr.trim()).toMatch(/^error: .*nojudge\.h5: no such file$/);
  });

  it('detect reads a multi-digit image and annotates it; bench-detect scores synthetic strings', async () => {
    const { digitString } = await import('../../src/data/digit-strings.js');
    const test = (await import('../../src/data/index.js')).loadMnist().test!;
    const sharp = (await import('sharp')).default;
    const s = digitString(test, 5, { length: 4 });
    const file = join(dir, 'string.png');
    await sharp(Buffer.from(s.data), { raw: { width: s.width, height: s.height, channels: 1 } })
      .png()
      .toFile(file);
    const annotated = join(dir, 'annotated.png');
    const r = await digits('detect', file, '--model', model, '--annotate', annotated, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout) as { text: string; digits: { label: number; box: { width: number } }[] };
    expect(j.text).toMatch(/^\d+$/);
    expect(j.digits.map((d) => String(d.label)).join('')).toBe(j.text);
    expect(j.digits[0].box.width).toBeGreaterThan(0);
    expect((await sharp(annotated).metadata()).width).toBe(s.width);
    // The shipped model and verifier read it right; --no-verifier reads by the rules; a missing verifier is named.
    const shipped = await digits('detect', file, '--json');
    expect(shipped.code, shipped.stderr).toBe(0);
    expect(lastJson(shipped.stdout).text).toBe(s.text);
    const rules = await digits('detect', file, '--no-verifier', '--json');
    expect(rules.code, rules.stderr).toBe(0);
    expect(lastJson(rules.stdout).text).toMatch(/^\d+$/);
    // Several images with one model load: one result each, an unreadable one named, annotated copies by name.
    const other = join(dir, 'sub', 'string.png');
    mkdirSync(dirname(other), { recursive: true });
    copyFileSync(file, other);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'not an image');
    const annotations = join(dir, 'annotations');
    const many = await digits('detect', file, other, notes, '--annotate', annotations, '--json');
    expect(many.code).not.toBe(0);
    expect(many.stderr.trim().split('\n').at(-1)).toBe('error: 1 of 3 images could not be read');
    expect(many.stderr).toMatch(/notes\.txt: not a readable image/);
    const results = lastJson(many.stdout).results as {
      file: string;
      text?: string;
      annotated?: string;
      error?: string;
    }[];
    expect(results.map((x) => x.text ?? x.error)).toEqual([s.text, s.text, expect.stringMatching(/notes\.txt/)]);
    expect(results.map((x) => x.annotated)).toEqual([
      join(annotations, 'string.png'),
      join(annotations, 'string-2.png'),
      undefined,
    ]);
    for (const x of results.slice(0, 2)) expect((await sharp(x.annotated!).metadata()).width).toBe(s.width);
    const missing = await digits('detect', file, '--verifier', join(dir, 'nov.h5'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toMatch(/^error: .*nov\.h5: no such file$/);
    const b = await digits('bench-detect', '--count', '3', '--json');
    expect(b.code, b.stderr).toBe(0);
    const bj = lastJson(b.stdout) as Record<string, number>;
    expect(bj.images).toBe(3);
    for (const k of ['string_accuracy', 'digit_accuracy']) {
      expect(bj[k]).toBeGreaterThanOrEqual(0);
      expect(bj[k]).toBeLessThanOrEqual(1);
    }
    expect(bj.ms_per_image).toBeGreaterThan(0);
  });

  it('bench-styles and bench-reject score drawn styles and what is not a digit', async () => {
    const styles = await digits('bench-styles', '--count', '3', '--json');
    expect(styles.code, styles.stderr).toBe(0);
    const sj = lastJson(styles.stdout) as {
      string_accuracy: number;
      upright_31415: Record<string, string>;
      kinds: Record<string, number | null>;
      touching: { count: number; string_accuracy: number; misread: string[] };
    };
    expect(sj.string_accuracy).toBeGreaterThanOrEqual(0);
    // Half as many touching numbers as strings (3 → 2), each misread one named with what was read.
    expect(sj.touching.count).toBe(2);
    expect(sj.touching.misread.length).toBe(Math.round((1 - sj.touching.string_accuracy) * 2));
    expect(sj.touching.misread.every((m) => /^\d{2,4}→(\d+|∅)$/.test(m))).toBe(true);
    expect(Object.keys(sj.upright_31415)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(Object.keys(sj.kinds)).toEqual(['plain', 'hollow', 'double']);
    const reject = await digits('bench-reject', '--count', '20', '--marks', '1', '--json');
    expect(reject.code, reject.stderr).toBe(0);
    const rj = lastJson(reject.stdout) as {
      marks: { count: number; rejected: number };
      mnist: { count: number; wrongly_rejected: number };
      usps: unknown;
    };
    expect(rj.marks.count).toBe(13);
    expect(rj.mnist.count).toBe(20);
    expect(rj.mnist.wrongly_rejected).toBeLessThanOrEqual(0.1);
    expect(rj.usps).toBeNull();
    const bad = await digits('bench-reject', '--usps', join(dir, 'nowhere'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toMatch(/^error: --usps: .*nowhere does not hold usps-train-images-idx3-ubyte/);
  });

  it('bench-real scores detect() on photos by kind and recognize() on tight crops', async () => {
    const args = ['bench-real', '--count', '2', '--kinds', 'plain,shadow', '--tight', '20', '--no-big', '--json'];
    const r = await digits(...args);
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout) as {
      kinds: Record<
        string,
        { strings: number; digits: number; legible: number; legible_read: number | null; ms: number; misread: string[] }
      >;
      pens: Record<string, number | null>;
      tight_accuracy: number;
      string_accuracy: number;
      legible: number;
      legible_string_accuracy: number | null;
      big: unknown;
    };
    expect(Object.keys(j.kinds)).toEqual(['plain', 'shadow']);
    for (const k of Object.values(j.kinds)) {
      expect(k.strings).toBeGreaterThanOrEqual(0);
      expect(k.strings).toBeLessThanOrEqual(1);
      expect(k.digits).toBeGreaterThan(0.5); // the shipped model reads most digits of any photo
      expect(k.ms).toBeGreaterThan(0);
      // Most photos' digits, drawn alone, are read right.
      expect(k.legible).toBeGreaterThanOrEqual(0.5);
      expect(k.legible_read).not.toBeNull();
    }
    expect(j.legible).toBeCloseTo((j.kinds.plain.legible + j.kinds.shadow.legible) / 2, 10);
    expect(Object.keys(j.pens)).toEqual(['1-2', '2.5-4', '4.5-6', '6.5-8']);
    expect(j.tight_accuracy).toBeGreaterThan(0.7);
    expect(j.big).toBeNull();
    expect(r.stderr).toMatch(/^plain +strings/m);
    const bad = await digits('bench-real', '--kinds', 'plain,napkin');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe(
      'error: --kinds: "napkin" is not one of: ' +
        'plain, table, edge, shadow, crease, ruled, grid, perspective, kraft',
    );
  });

  it("--version prints the package version; every command's --help ends with examples of it, each default said once", async () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
    const version = await digits('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await digits('--help');
    const names = [...help.stdout.matchAll(/^ {2}([a-z-]+) \[options\]/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(13);
    for (const name of names) {
      const lines = (await digits(name, '--help')).stdout.trimEnd().split('\n');
      const at = lines.lastIndexOf('Examples:');
      expect(at, name).toBeGreaterThan(0);
      const examples = lines.slice(at + 1);
      expect(examples.length, name).toBeGreaterThanOrEqual(1);
      for (const e of examples) expect(e, name).toMatch(new RegExp(`^ {2}digits ${name}\\b`));
      // One option's entry: its line and the continuation lines indented under it.
      const entries = lines
        .slice(0, at)
        .join('\n')
        .split(/\n(?= {2}-)/);
      for (const entry of entries)
        expect((entry.match(/\bdefault\b/g) ?? []).length, `${name}: ${entry}`).toBeLessThanOrEqual(1);
    }
  });

  it('failures exit non-zero with one "error:" line on stderr', async () => {
    const bad = join(dir, 'bad.idx');
    writeFileSync(bad, Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 9]));
    const cases: [string[], RegExp][] = [
      [['evaluate', '--model', join(dir, 'missing.h5')], /^error: .*missing\.h5: no such file$/],
      [['train', '--data', bad, '--epochs', '1'], /^error: .*bad\.idx: truncated IDX header/],
      [['evaluate', '--model', bad], /^error: .*bad\.idx: not an HDF5 model file/],
      [['train', '--epochs', 'ten'], /^error: option '--epochs <n>' argument 'ten' is invalid/],
      [['train', '--model', 'resnet'], /^error: .*expected one of: mlp, mlp-small, cnn, cnn-best, or a \.json arch/],
      [['frobnicate'], /^error: unknown command 'frobnicate'/],
      [['ensemble', '--models', 'a.h5,b.h5', '--vote', '--average'], /^error: give --vote or --average, not both$/],
      [['ensemble', '--models', 'a.h5'], /^error: --models needs at least two model files$/],
      [['ensemble', '--models', 'a.h5,b.h5', '--data', bad], /^error: .*bad\.idx: truncated IDX header/],
      [['experiment', '--optimizers', 'adam,lion'], /^error: .*"lion" is not one of: adam/],
      [['experiment', '--lrs', '0.1,-1'], /^error: .*expected positive numbers/],
      [['experiment', '--validation-split', '0'], /^error: --validation-split must be > 0/],
      [['export', '--model', 'm.h5'], /^error: give at least one of --onnx, --keras, --h5$/],
      [['detect', join(dir, 'none.png'), '--model', 'm.h5'], /^error: .*none\.png: no such file$/],
      [['bench-detect', '--model', 'm.h5', '--length', '5,2'], /^error: --length must be min,max/],
      [
        ['train', '--label-smoothing', '0.1', '--loss', 'sparse_categorical_crossentropy'],
        /^error: label smoothing needs categorical_crossentropy \(as in Keras\)$/,
      ],
      [['train', '--label-smoothing', '1'], /^error: .*--label-smoothing.*expected a number in \[0, 1\)/],
      [['train', '--ema', '1'], /^error: .*--ema.*expected a number in \(0, 1\)/],
      [['train', '--ema', '0'], /^error: .*--ema.*expected a number in \(0, 1\)/],
      [['train', '--sam', '0'], /^error: .*--sam.*expected a positive number/],
      [['experiment', '--ema', '0'], /^error: .*--ema.*expected a number in \(0, 1\)/],
      [['experiment', '--emit', 'a', '--collect', 'b'], /^error: give --emit or --collect, not both$/],
      [['experiment', '--collect', join(dir, 'nothing')], /^error: .*nothing: no runs\/ directory/],
      [['evaluate', '--model', 'm.h5', '--normalize', '0.5,0'], /^error: .*expected mean,std with std > 0/],
    ];
    if (KERAS)
      cases.push(
        [
          ['evaluate', '--model', fixture('keras/ayush_ann.h5')],
          /^error: .*ayush_ann\.h5: .*needs an architecture \(--arch/,
        ],
        [
          ['evaluate', '--model', fixture('keras/ayush_ann.h5'), '--arch', join(dir, 'none.json')],
          /^error: .*none\.json: cannot read the architecture file \(ENOENT\)$/,
        ],
      );
    await expectFailures(cases);
  });
});
