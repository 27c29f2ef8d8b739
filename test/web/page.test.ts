// The web page end to end in real headless Chromium (Debian's, driven by playwright-core): drawing with the
// mouse, uploading a photo, the gallery. Screenshots go to test-output/web/.
import type { FastifyInstance } from 'fastify';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitString } from '../../src/data/digit-strings.js';
import { loadMnist } from '../../src/data/index.js';
import { loadSharp } from '../../src/report/render.js';
import { buildServer } from '../../src/server/app.js';
import { evaluate } from '../../src/train/evaluate.js';
import { loadModel, type DigitModel } from '../../src/vision/model.js';
import { chromiumPath } from '../helpers/chromium.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const webRoot = join(root, 'web/dist');
const shots = join(root, 'test-output/web');

/** Strokes (lists of points on the 280×280 canvas) that draw each digit the way a person would. */
const STROKES: Record<number, [number, number][][]> = {
  1: [
    [
      [120, 70],
      [145, 45],
      [145, 235],
    ],
  ],
  7: [
    [
      [75, 60],
      [205, 60],
      [170, 130],
      [125, 235],
    ],
  ],
  0: [
    Array.from({ length: 41 }, (_, i) => {
      const t = (i / 40) * 2 * Math.PI;
      return [140 + 62 * Math.sin(t), 140 - 92 * Math.cos(t)] as [number, number];
    }),
  ],
  4: [
    [
      [95, 45],
      [70, 160],
      [200, 160],
    ],
    [
      [175, 60],
      [170, 240],
    ],
  ],
};

/** A synthetic written number from MNIST test digits, saved as a JPEG under test-output/web/. */
async function numberPhoto(seed: number, length: number, name: string) {
  const s = digitString(loadMnist().test!, seed, { length, height: [60, 70] });
  const sharp = await loadSharp();
  const file = join(shots, name);
  const jpeg = await sharp(s.data, { raw: { width: s.width, height: s.height, channels: 1 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  writeFileSync(file, jpeg);
  return { s, file };
}

/** Draws strokes with the mouse; `steps` pointer moves per segment (1: a quick flick with few moves). */
async function draw(page: Page, digit: number | [number, number][][], steps = 8): Promise<void> {
  const box = (await page.getByTestId('draw-canvas').boundingBox())!;
  const sx = box.width / 280;
  for (const stroke of typeof digit === 'number' ? STROKES[digit] : digit) {
    await page.mouse.move(box.x + stroke[0][0] * sx, box.y + stroke[0][1] * sx);
    await page.mouse.down();
    for (let k = 1; k < stroke.length; k++)
      await page.mouse.move(box.x + stroke[k][0] * sx, box.y + stroke[k][1] * sx, { steps });
    await page.mouse.up();
  }
}

describe('web page in Chromium', () => {
  let model: DigitModel;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let url: string;
  const errors: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(webRoot, 'index.html')), 'web/dist is built by npm run build').toBe(true);
    mkdirSync(shots, { recursive: true });
    model = await loadModel(undefined, { threads: 1 });
    app = await buildServer({ model, webRoot });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await model?.dispose();
  });

  it('answers the first drawing made as soon as the page shows its canvas within a second, the server just started', async () => {
    // A first visit: everything the page loads goes over the wire; the server computes the gallery meanwhile.
    const transferred: number[] = [];
    page.on(
      'response',
      (r) =>
        void r.body().then(
          (b) => transferred.push(b.length),
          () => {},
        ),
    );
    await page.goto(url, { waitUntil: 'commit' });
    await page.getByTestId('draw-canvas').waitFor({ state: 'visible' });
    const shown = performance.now();
    // One quick stroke (four pointer events): the answer cannot have come while drawing.
    await draw(page, 7, 1);
    const strokeEnd = performance.now();
    await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 10_000, interval: 10 }).toBe('7');
    const seconds = (performance.now() - strokeEnd) / 1000;
    console.log(
      `first answer ${seconds.toFixed(2)} s after the stroke, ${((performance.now() - shown) / 1000).toFixed(2)} s after the canvas showed`,
    );
    expect(seconds).toBeLessThan(1);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="model-info"]')?.textContent?.includes('parameters'),
    );
    await page.waitForLoadState('networkidle');
    const total = transferred.reduce((a, b) => a + b, 0);
    console.log(`initial transfer ${(total / 1e6).toFixed(2)} MB`);
    expect(total).toBeLessThan(1.5e6);
    expect(errors).toEqual([]);
  }, 60_000);

  it('is cross-origin isolated (WASM threads can work)', async () => {
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  });

  it('reads digits drawn with the mouse, with live probability bars, and clears', async () => {
    for (const digit of [1, 7, 0, 4]) {
      await page.getByTestId('clear').click();
      expect(await page.getByTestId('prediction').textContent()).toBe('');
      await draw(page, digit);
      await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 10_000 }).toBe(String(digit));
      await page.screenshot({ path: join(shots, `draw-${digit}.png`) });
      const bars = page.getByTestId('probabilities').locator('li');
      expect(await bars.count()).toBe(10);
      const top = await bars.nth(digit).locator('.pct').textContent();
      expect(parseFloat(top!)).toBeGreaterThan(50);
    }
  }, 60_000);

  it('shows the 28×28 picture the model reads; Undo takes back the last stroke; the canvas is described', async () => {
    await page.getByTestId('clear').click();
    await draw(page, 7);
    await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 10_000 }).toBe('7');
    const inkOf = () =>
      page.evaluate(() => {
        const c = document.querySelector('[data-testid="model-input"]') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 128) ink++;
        return ink;
      });
    // A 7 drawn with MNIST's stroke: a few dozen light pixels of 784, on black.
    await expect.poll(inkOf, { timeout: 5000 }).toBeGreaterThan(30);
    expect(await inkOf()).toBeLessThan(400);
    const drawing = () => page.getByTestId('draw-canvas').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    const seven = await drawing();
    await draw(page, [
      [
        [30, 150],
        [250, 150],
      ],
    ]);
    expect(await drawing()).not.toBe(seven);
    await page.getByTestId('undo').click();
    expect(await drawing()).toBe(seven);
    await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 10_000 }).toBe('7');
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 5000 }).toBe('');
    expect(await inkOf()).toBe(0);
    const canvas = page.getByTestId('draw-canvas');
    expect(await canvas.getAttribute('role')).toBe('img');
    expect(await canvas.getAttribute('tabindex')).toBe('0');
    const hint = await page.locator(`#${await canvas.getAttribute('aria-describedby')}`).textContent();
    expect(hint).toMatch(/Draw one digit.*Read a photo/s);
  }, 60_000);

  it('says a hash sign drawn on the canvas is no digit, and why', async () => {
    await page.getByTestId('clear').click();
    // A hash sign: not a digit (the model alone would read it as one).
    await draw(page, [
      [
        [110, 50],
        [95, 230],
      ],
      [
        [185, 50],
        [170, 230],
      ],
      [
        [50, 110],
        [235, 110],
      ],
      [
        [45, 175],
        [230, 175],
      ],
    ]);
    // The reading of all four strokes (one of the first three strokes can already show '–': "several digits").
    await expect.poll(() => page.getByTestId('confidence').textContent(), { timeout: 10_000 }).toMatch(/^not a digit/);
    expect(await page.getByTestId('prediction').textContent()).toBe('–');
    await page.getByTestId('clear').click();
  }, 30_000);

  it('reads a number drawn on the canvas with a thick pen and upright 1s, every digit of it', async () => {
    if (page.url() === 'about:blank') await page.goto(url); // run alone (-t)
    await page.getByTestId('clear').click();
    // "31415" across the canvas, each digit about 140 px tall, the 1s plain bars: a person's quick number.
    const y0 = 70;
    const y1 = 210;
    const three = (x: number): [number, number][][] => [
      [
        [x - 18, y0 + 5],
        [x + 14, y0],
        [x + 2, y0 + 62],
        [x + 18, y0 + 95],
        [x + 6, y1 - 5],
        [x - 18, y1],
      ],
    ];
    const one = (x: number): [number, number][][] => [
      [
        [x, y0],
        [x, y1],
      ],
    ];
    const four = (x: number): [number, number][][] => [
      [
        [x - 4, y0],
        [x - 20, y0 + 90],
        [x + 20, y0 + 90],
      ],
      [
        [x + 10, y0 + 40],
        [x + 10, y1],
      ],
    ];
    const five = (x: number): [number, number][][] => [
      [
        [x + 18, y0],
        [x - 14, y0],
        [x - 16, y0 + 60],
        [x + 10, y0 + 58],
        [x + 18, y0 + 100],
        [x + 4, y1],
        [x - 18, y1 - 6],
      ],
    ];
    await draw(page, [...three(35), ...one(90), ...four(140), ...one(192), ...five(245)]);
    await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 15_000 }).toBe('31415');
    expect(await page.getByTestId('confidence').textContent()).toBe('(5 digits)');
    // No single 28×28 view for a number: the preview is blank, not the view of the first strokes.
    const previewInk = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="model-input"]') as HTMLCanvasElement;
      return c
        .getContext('2d')!
        .getImageData(0, 0, 28, 28)
        .data.filter((v, i) => i % 4 === 0 && v > 128).length;
    });
    expect(previewInk).toBe(0);
    await page.screenshot({ path: join(shots, 'draw-31415.png') });
    await page.getByTestId('clear').click();
  }, 30_000);

  it('reads a photo of a written number uploaded through the file input and boxes its digits', async () => {
    const { s, file } = await numberPhoto(11, 6, 'upload.jpg');
    await page.getByTestId('upload').setInputFiles(file);
    await expect.poll(() => page.getByTestId('detections').textContent(), { timeout: 10_000 }).toBe(s.text);
    expect(await page.locator('#photo').isVisible()).toBe(true);
    // Each digit with its confidence, and what happened, in the photo's own section.
    const each = (await page.getByTestId('photo-digits').textContent())!.split(', ');
    expect(each.map((e) => e[0]).join('')).toBe(s.text);
    for (const e of each) expect(e).toMatch(/^\d \(\d+ %\)$/);
    expect(await page.getByTestId('photo-status').textContent()).toBe(`upload.jpg: ${s.text.length} digits`);
    expect(Number(await page.locator('#photo').getAttribute('data-label-css-px'))).toBeGreaterThanOrEqual(14);
    await page.screenshot({ path: join(shots, 'upload.png'), fullPage: true });

    // On a phone the photo is shown at about half its pixels; its labels stay as large on screen.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(page.url());
      await phone.getByTestId('upload').setInputFiles(file);
      await expect.poll(() => phone.getByTestId('detections').textContent(), { timeout: 10_000 }).toBe(s.text);
      const shown = await phone
        .locator('#photo')
        .evaluate((c) => c.getBoundingClientRect().width / (c as HTMLCanvasElement).width);
      expect(shown).toBeLessThan(0.7);
      expect(Number(await phone.locator('#photo').getAttribute('data-label-css-px'))).toBeGreaterThanOrEqual(14);
      await phone.screenshot({ path: join(shots, 'upload-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  }, 60_000);

  it("trains a model in the browser with the form untouched (the seed MLP, all 60,000 images): curves on axes, a table of epochs, the confusion matrix, this model's mistakes, the .h5, and a switch between models", async () => {
    // The defaults are a valid form: the seed's model on the full training set.
    expect(await page.evaluate(() => (document.getElementById('train-form') as HTMLFormElement).checkValidity())).toBe(
      true,
    );
    expect(await page.getByTestId('train-count').inputValue()).toBe('60000');
    expect(await page.getByTestId('train-stop').isDisabled()).toBe(true);
    await page.getByTestId('train-start').click();
    // On every core the browser offers: the kernels' threads are Web Workers sharing the worker's memory.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    await expect
      .poll(() => page.getByTestId('train-status').textContent(), { timeout: 30_000, interval: 20 })
      .toMatch(new RegExp(`^training on 60,000 images \\(wasm-[a-z-]+, ${cores} threads?\\)`));
    // The training curve grows while training runs, on axes labelled in epochs.
    const trainingPoints = async () =>
      ((await page.locator('#loss-chart polyline.train').getAttribute('points')) ?? '').split(' ').length;
    await expect.poll(trainingPoints, { timeout: 60_000 }).toBeGreaterThan(3);
    expect(await page.getByTestId('train-stop').isDisabled()).toBe(false);
    expect(await page.locator('#loss-chart text').allTextContents()).toEqual(
      expect.arrayContaining(['0', '1', '2', 'epoch', '0.00']),
    );
    expect(await page.locator('#accuracy-chart text').allTextContents()).toContain('100 %');
    await expect.poll(() => page.getByTestId('train-status').textContent(), { timeout: 120_000 }).toMatch(/^done: /);
    const status = (await page.getByTestId('train-status').textContent())!;
    const accuracy = parseFloat(status.slice('done: '.length)) / 100;
    expect(accuracy).toBeGreaterThan(0.96); // 2 epochs of the seed MLP on all of MNIST
    // Validation after each epoch: a dot on both charts and a row of the table, the last one the accuracy above.
    expect(await page.locator('#accuracy-chart circle.validation').count()).toBe(2);
    const rows = await page
      .locator('#epoch-table tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent ?? '')));
    expect(rows.map((r) => r[0])).toEqual(['1', '2']);
    expect(parseFloat(rows[1][4]) / 100).toBeCloseTo(accuracy, 4);
    // Seconds of training and of the test pass after it.
    console.log(`in-page epochs: ${rows.map((r) => `${r[5]} s training + ${r[6]} s test`).join(', ')}`);
    for (const r of rows) {
      expect(Number(r[5])).toBeGreaterThan(0);
      expect(Number(r[6])).toBeGreaterThan(0);
    }
    // The confusion matrix: 10 rows of the true digits, MNIST test's class counts, the accuracy on its diagonal.
    const matrix = await page
      .locator('#confusion tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => Number(td.textContent)).slice(0, 10)),
      );
    expect(matrix.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([
      980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]);
    const diagonal = matrix.reduce((a, r, i) => a + r[i], 0);
    expect(diagonal / 10000).toBeCloseTo(accuracy, 4);
    expect(await page.locator('#confusion tfoot th').textContent()).toBe('precision');
    // The gallery now shows this model's mistakes, as many as it makes.
    await expect
      .poll(() => page.locator('#gallery-note').textContent())
      .toMatch(new RegExp(`^The model trained in this page misreads ${10000 - diagonal} of 10,000`));
    await page.screenshot({ path: join(shots, 'train.png'), fullPage: true });
    // The model as Keras HDF5, loadable here with the accuracy the page reported.
    const link = page.getByTestId('train-download');
    await expect.poll(() => link.isVisible(), { timeout: 20_000 }).toBe(true);
    const bytes = await page.evaluate(async () => {
      const href = (document.querySelector('[data-testid="train-download"]') as HTMLAnchorElement).href;
      return Array.from(new Uint8Array(await (await fetch(href)).arrayBuffer()));
    });
    const trained = await loadModel(new Uint8Array(bytes), { threads: 1 });
    try {
      expect(trained.network.paramCount).toBe(669_706);
      expect(trained.metadata?.recipe?.where).toBe('browser');
      expect(evaluate(trained.network, loadMnist().test!).accuracy).toBeCloseTo(accuracy, 3);
    } finally {
      await trained.dispose();
    }
    // Drawings are now read in the page by the model it trained; the switch says so, with both accuracies.
    expect(await page.getByTestId('model-page').isChecked()).toBe(true);
    expect(await page.locator('#model-page-text').textContent()).toBe(
      `the model trained in this page (${(accuracy * 100).toFixed(2)} %)`,
    );
    expect(await page.locator('#model-server-text').textContent()).toMatch(/on the server \(99\.56 %\)$/);
    for (const digit of [1, 0]) {
      await page.getByTestId('clear').click();
      await draw(page, digit);
      await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 10_000 }).toBe(String(digit));
    }
    // Back to the shipped model: its mistakes again.
    await page.getByTestId('model-server').check();
    await expect.poll(() => page.locator('#gallery-note').textContent()).toMatch(/^The shipped model misreads 44 of/);
  }, 240_000);

  it('stops training with the Stop button and keeps the model trained so far', async () => {
    await page.getByTestId('train-epochs').fill('5');
    await page.getByTestId('train-start').click();
    await expect.poll(() => page.getByTestId('train-status').textContent(), { timeout: 30_000 }).toMatch(/^epoch 1\/5/);
    await page.getByTestId('train-stop').click();
    await expect
      .poll(() => page.getByTestId('train-status').textContent(), { timeout: 30_000 })
      .toMatch(/^stopped: \d+\.\d+ % on 10,000 test images/);
    expect(await page.locator('#epoch-table tbody tr').count()).toBeLessThan(2);
    expect(await page.getByTestId('train-start').isDisabled()).toBe(false);
    expect(await page.getByTestId('train-stop').isDisabled()).toBe(true);
    expect(await page.getByTestId('model-page').isChecked()).toBe(true);
    await page.getByTestId('train-epochs').fill('2');
    await page.getByTestId('model-server').check();
  }, 60_000);

  it('runs the shipped model in the page itself (digits/browser: h5wasm web build, WASM kernels in the worker)', async () => {
    await page.getByTestId('load-local').click();
    await expect
      .poll(() => page.getByTestId('train-status').textContent(), { timeout: 30_000 })
      .toMatch(/^shipped model loaded in the page \(327,242 parameters, 99\.56 % on MNIST test\)$/);
    expect(await page.getByTestId('model-page').isChecked()).toBe(true);
    expect(await page.locator('#model-page-text').textContent()).toBe('the shipped model, in this page (99.56 %)');
    for (const digit of [7, 4]) {
      await page.getByTestId('clear').click();
      await draw(page, digit);
      await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 10_000 }).toBe(String(digit));
    }
    // A photo read in the page: the browser decodes the JPEG (createImageBitmap), detect() runs in the worker.
    const { s, file } = await numberPhoto(23, 5, 'upload-local.jpg');
    await page.getByTestId('upload').setInputFiles(file);
    await expect.poll(() => page.getByTestId('detections').textContent(), { timeout: 20_000 }).toBe(s.text);
    await page.getByTestId('model-server').check();
  }, 60_000);

  it("shows the model's mistakes on MNIST test, titled like the seed's pictures", async () => {
    const figures = page.getByTestId('gallery').locator('figure');
    await expect.poll(() => figures.count(), { timeout: 20_000 }).toBeGreaterThan(5);
    expect(await figures.first().locator('figcaption').textContent()).toMatch(/^Predicted: \d, Actual: \d \(\d+ %\)$/);
    await page.screenshot({ path: join(shots, 'page.png'), fullPage: true });
  }, 30_000);

  it('has no serious or critical accessibility violations (axe-core), on a desktop and on a phone', async () => {
    const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
    const violations = async (p: Page) => {
      await p.evaluate(axeSource);
      const found = await p.evaluate(async () => {
        const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
      });
      return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    };
    // The page as the tests above leave it: trained model, its tables and gallery, a photo read.
    expect(await violations(page)).toEqual([]);
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(url);
      await expect.poll(() => phone.locator('#gallery figure').count(), { timeout: 20_000 }).toBeGreaterThan(5);
      expect(await violations(phone)).toEqual([]);
      // Nothing wider than the phone's screen.
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phone.screenshot({ path: join(shots, 'page-phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  }, 60_000);
});
