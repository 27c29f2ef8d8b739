import type { Command } from 'commander';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadMnist } from '../data/mnist.js';
import { penDigit, scene, SCENE_KINDS, type Scene, type SceneKind } from '../data/scenes.js';
import { UsageError } from '../errors.js';
import { detect } from '../vision/detect.js';
import { NoInkError, preprocess, type Preprocessed } from '../vision/preprocess.js';
import { classifyPreprocessed } from '../vision/recognize.js';
import { editDistance } from './bench-detect.js';
import { addModelInputOptions, addVerifierOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { nonNegativeInt, positiveInt } from './options.js';
import { makeOutput } from './output.js';

interface BenchRealOptions extends ModelInputOptions {
  verifier?: string | boolean;
  model?: string;
  count: number;
  kinds: string;
  tight: number;
  big: boolean;
  seed: number;
  threads?: number;
  json?: boolean;
}

/** Reads a photo three times with the library in a child process; prints text, median ms and peak RSS (KiB). */
const BIG_PHOTO_CHILD = `
const [index, file, model] = process.argv.slice(2);
const { loadModel, detect } = await import(index);
const m = await loadModel(model);
const times = [];
let text = '';
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  text = (await detect(m, file)).text;
  times.push(performance.now() - t);
}
await m.dispose();
console.log(JSON.stringify({ text, ms: times.sort((a, b) => a - b)[1], rss: process.resourceUsage().maxRSS }));
`;

/** Pen widths grouped as the results report them. */
const PEN_GROUPS: [string, number, number][] = [
  ['1-2', 1, 2],
  ['2.5-4', 2.5, 4],
  ['4.5-6', 4.5, 6],
  ['6.5-8', 6.5, 8],
];

export function registerBenchReal(program: Command): void {
  const command = program
    .command('bench-real')
    .description(
      'accuracy of detect() on photos of written numbers (tables, sheet edges, shadows, creases, ruled and squared ' +
        'paper, perspective, kraft paper), of recognize() on tight 16–20 px crops, and detect() on a 12 MP photo',
    )
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option('--count <n>', 'photos of each kind', positiveInt, 20)
    .option('--kinds <list>', `kinds of photo, from: ${SCENE_KINDS.join(', ')}`, SCENE_KINDS.join(','))
    .option('--tight <n>', 'tight crops of single digits for recognize() (0: none)', nonNegativeInt, 1000)
    .option('--no-big', 'skip the 12-megapixel photo')
    .option('--seed <n>', 'seed of the generator', nonNegativeInt, 1)
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print the accuracies and timings as JSON on the last line');
  addVerifierOptions(addModelInputOptions(command)).action(async (o: BenchRealOptions) => benchReal(o));
}

async function benchReal(o: BenchRealOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const kinds = o.kinds.split(',').map((k) => k.trim()) as SceneKind[];
  for (const k of kinds)
    if (!SCENE_KINDS.includes(k)) throw new UsageError(`--kinds: "${k}" is not one of: ${SCENE_KINDS.join(', ')}`);
  // The MNIST test digits: no shipped model trained on them, and nothing trains on these scenes or seeds.
  const test = loadMnist().test!;
  const model = await loadImageModel(o, true);
  const { default: sharp } = await import('sharp');
  try {
    const byKind: Record<
      string,
      { strings: number; digits: number; legible: number; legible_read: number | null; ms: number; misread: string[] }
    > = {};
    const byPen = Object.fromEntries(PEN_GROUPS.map(([name]) => [name, { images: 0, strings: 0 }]));
    let allStrings = 0;
    let allImages = 0;
    let allLegible = 0;
    let allLegibleRead = 0;
    const percent = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
    // Whether every digit of a photo, drawn alone as it is there (same digit, height and pen, cropped to its
    // strokes), is read right: what the classifier can do, so that what detect() loses on the paper shows apart.
    const legibleAlone = (s: Scene) => {
      try {
        const alone = s.sources.map((index) => preprocess(penDigit(test, index, s.digitHeight, s.pen)));
        return classifyPreprocessed(model, alone).every((r, k) => String(r.label) === s.text[k]);
      } catch (e) {
        if (e instanceof NoInkError) return false; // a digit whose centre line came out empty
        throw e;
      }
    };
    for (const kind of kinds) {
      // A kind's photos are the same whichever other kinds are asked for.
      const k = SCENE_KINDS.indexOf(kind);
      let strings = 0;
      let legible = 0;
      let legibleRead = 0;
      let errors = 0;
      let length = 0;
      let ms = 0;
      const misread: string[] = [];
      for (let i = 0; i < o.count; i++) {
        const s = scene(test, (o.seed * 1_000_003 + k * 10_007 + i) >>> 0, kind);
        // Photos are JPEGs: every one is compressed, at qualities from 60 to 90.
        const jpeg = await sharp(s.data, { raw: { width: s.width, height: s.height, channels: 3 } })
          .jpeg({ quality: 60 + ((i * 13) % 31) })
          .toBuffer();
        const started = performance.now();
        const r = await detect(model, new Uint8Array(jpeg));
        ms += performance.now() - started;
        const read = r.text.replace(/\n/g, '');
        const whole = r.text === s.text;
        if (whole) strings++;
        else if (misread.length < 5) misread.push(`${s.text}→${r.text.replace(/\n/g, '/') || '∅'}`);
        if (legibleAlone(s)) {
          legible++;
          if (whole) legibleRead++;
        }
        errors += editDistance(read, s.text);
        length += s.text.length;
        const group = PEN_GROUPS.find(([, lo, hi]) => s.pen >= lo && s.pen <= hi);
        if (group) {
          byPen[group[0]].images++;
          if (whole) byPen[group[0]].strings++;
        }
      }
      byKind[kind] = {
        strings: strings / o.count,
        digits: Math.max(0, 1 - errors / length),
        legible: legible / o.count,
        legible_read: legible ? legibleRead / legible : null,
        ms: ms / o.count,
        misread,
      };
      allStrings += strings;
      allImages += o.count;
      allLegible += legible;
      allLegibleRead += legibleRead;
      out.info(
        `${kind.padEnd(12)} strings ${percent(strings / o.count).padStart(7)}, digits ` +
          `${percent(byKind[kind].digits)}, of the ${legible} whose digits read alone ` +
          `${percent(byKind[kind].legible_read)}, ${byKind[kind].ms.toFixed(0)} ms` +
          (misread.length ? `  (e.g. ${misread.join(', ')})` : ''),
      );
    }
    const pens = Object.fromEntries(
      Object.entries(byPen).map(([name, v]) => [name, v.images ? v.strings / v.images : null]),
    );
    if (allImages > 0)
      out.info(
        `all ${allImages} photos: ${percent(allStrings / allImages)} read whole; by pen width (px): ` +
          Object.entries(pens)
            .map(([name, v]) => `${name}: ${percent(v)}`)
            .join(', ') +
          `; of the ${allLegible} whose digits all read alone, ` +
          `${percent(allLegible ? allLegibleRead / allLegible : null)} read whole`,
      );
    // Tight crops: one digit per picture, 16–20 px tall, cropped to its strokes, dark on white.
    let tight: number | null = null;
    if (o.tight > 0) {
      const prepared: Preprocessed[] = [];
      const labels: number[] = [];
      for (let i = 0; i < o.tight; i++) {
        const index = (o.seed * 7919 + i * 31) % test.count;
        const height = 16 + (i % 5);
        try {
          prepared.push(preprocess(penDigit(test, index, height, 1 + (i % 3) * 0.5)));
          labels.push(test.labels![index]);
        } catch (e) {
          if (!(e instanceof NoInkError)) throw e; // counted as misread
        }
      }
      const read = classifyPreprocessed(model, prepared);
      tight = read.filter((r, i) => r.label === labels[i]).length / o.tight;
      out.info(`recognize() on ${o.tight} tight crops 16–20 px tall (pens 1–2 px): ${(tight * 100).toFixed(2)} %`);
    }
    // A 12-megapixel phone photo of a number on kraft paper, read in a fresh process as an app would: the time
    // detect() takes (decoding included) and that process's peak memory.
    let big: { text: string; truth: string; ms: number; max_rss_mb: number } | null = null;
    if (o.big) {
      const s = scene(test, o.seed + 4242, 'kraft', { width: 4000, height: 3000 });
      const dir = mkdtempSync(join(tmpdir(), 'digits-bench-real-'));
      try {
        const file = join(dir, 'photo.jpg');
        await sharp(s.data, { raw: { width: s.width, height: s.height, channels: 3 } })
          .jpeg({ quality: 90 })
          .toFile(file);
        // A script file, not --eval: the engine's worker threads inherit the process's flags.
        const script = join(dir, 'read.mjs');
        writeFileSync(script, BIG_PHOTO_CHILD);
        const run = promisify(execFile);
        const index = new URL('../index.js', import.meta.url).href;
        const { stdout } = await run(process.execPath, [script, index, file, ...(o.model ? [o.model] : [])]);
        const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { text: string; ms: number; rss: number };
        big = { text: r.text, truth: s.text, ms: r.ms, max_rss_mb: Math.round(r.rss / 1024) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      out.info(
        `detect() of a 4000×3000 JPEG on kraft paper in a fresh process: ${big.ms.toFixed(0)} ms (median of 3, ` +
          `decoding included), read "${big.text}" for "${s.text}"; that process's peak RSS ${big.max_rss_mb} MB`,
      );
    }
    out.result({
      count: o.count,
      seed: o.seed,
      string_accuracy: allImages ? allStrings / allImages : null,
      legible: allImages ? allLegible / allImages : null,
      legible_string_accuracy: allLegible ? allLegibleRead / allLegible : null,
      kinds: byKind,
      pens,
      tight_accuracy: tight,
      big,
    });
  } finally {
    await model.dispose();
  }
}
