import type { Command } from 'commander';
import { drawnString, STROKE_KINDS, type DrawnStringOptions } from '../data/drawn-digits.js';
import { seededRandom } from '../data/seeded.js';
import { detect } from '../vision/detect.js';
import { editDistance } from './bench-detect.js';
import { addModelInputOptions, addVerifierOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { nonNegativeInt, positiveInt } from './options.js';
import { makeOutput } from './output.js';

interface BenchStylesOptions extends ModelInputOptions {
  model?: string;
  verifier?: string | boolean;
  count: number;
  seed: number;
  threads?: number;
  json?: boolean;
}

/** Pen widths grouped as the results report them. */
const PENS: [string, number, number][] = [
  ['1-2', 1, 2],
  ['2-4', 2, 4],
  ['4-6', 4, 6],
  ['6-8', 6, 8],
];

/** Seeds of the bench's strings: training draws its strings from other seeds (multiples of 7,000,003 and 9,000,011). */
const BENCH_SEED = 8_000_000;

export function registerBenchStyles(program: Command): void {
  const command = program
    .command('bench-styles')
    .description(
      'accuracy of detect() on numbers drawn with a pen in the styles MNIST lacks (upright and flagged 1s, barred 7s, ' +
        'open 4s and 9s, hollow and double strokes; pens 1–8 px), by style, stroke and pen',
    )
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option('--count <n>', 'drawn strings', positiveInt, 200)
    .option('--seed <n>', 'seed of the generator', nonNegativeInt, 1)
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print the accuracies as JSON on the last line');
  addVerifierOptions(addModelInputOptions(command)).action(async (o: BenchStylesOptions) => benchStyles(o));
}

/** The broad-pen strings: as drawn in the web page's canvas (the verifier trains on other seeds). */
const BROAD: DrawnStringOptions = { pen: [10, 24], height: [80, 130], gap: [0, 0.2], width: [0.45, 1.25] };
const BROAD_SEEDS = 50_000_000;

/**
 * Short numbers whose digits touch or cross, as people often write them: neighbours from 0.06 of a digit's height
 * overlapping to 0.02 apart (the strings the verifier trains on keep 0.12–0.45 apart).
 */
const TOUCHING: DrawnStringOptions = { gap: [-0.06, 0.02] };
const TOUCHING_SEEDS = 60_000_000;

/** 2–4 digits, from a seed. */
function shortNumber(seed: number): string {
  const random = seededRandom(seed);
  const length = 2 + Math.floor(random() * 3);
  return Array.from({ length }, () => String(Math.floor(random() * 10))).join('');
}

async function benchStyles(o: BenchStylesOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const model = await loadImageModel(o, true);
  try {
    const tally = () => ({ strings: 0, whole: 0 });
    const byStyle: Record<string, { strings: number; whole: number }> = {};
    const byKind = Object.fromEntries(STROKE_KINDS.map((k) => [k, tally()]));
    const byPen = Object.fromEntries(PENS.map(([name]) => [name, tally()]));
    let whole = 0;
    let errors = 0;
    let length = 0;
    const misread: string[] = [];
    for (let i = 0; i < o.count; i++) {
      const s = drawnString(BENCH_SEED + o.seed * 100_003 + i);
      const text = (await detect(model, s)).text.replace(/\n/g, '');
      const right = text === s.text;
      if (right) whole++;
      else if (misread.length < 8) misread.push(`${s.text}→${text || '∅'}`);
      errors += editDistance(text, s.text);
      length += s.text.length;
      const count = (t: { strings: number; whole: number }) => {
        t.strings++;
        if (right) t.whole++;
      };
      for (const style of new Set(s.styles)) count((byStyle[style] ??= tally()));
      count(byKind[s.kind]);
      const pen = PENS.find(([, lo, hi]) => s.pen >= lo && s.pen <= hi);
      if (pen) count(byPen[pen[0]]);
    }
    const rate = (t: { strings: number; whole: number }) => (t.strings ? t.whole / t.strings : null);
    const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);
    const styles = Object.fromEntries(
      Object.entries(byStyle)
        .sort()
        .map(([k, v]) => [k, rate(v)]),
    );
    // "31415" written with bare upright 1s, one for each pen width.
    const upright: Record<string, string> = {};
    for (let pen = 1; pen <= 8; pen++) {
      const s = drawnString(BENCH_SEED - pen, {
        text: '31415',
        styles: { 1: ['stroke'] },
        kind: 'plain',
        pen: [pen, pen],
        height: [50, 80],
      });
      upright[String(pen)] = (await detect(model, s)).text.replace(/\n/g, '');
    }
    // Written large with a broad pen and close together, as people draw numbers in the web page's canvas.
    const broadCount = Math.max(1, Math.round(o.count / 2));
    let broad = 0;
    for (let i = 0; i < broadCount; i++) {
      const s = drawnString(BENCH_SEED + BROAD_SEEDS + o.seed * 100_003 + i, BROAD);
      if ((await detect(model, s)).text.replace(/\n/g, '') === s.text) broad++;
    }
    const touchingCount = Math.max(1, Math.round(o.count / 2));
    let touching = 0;
    const touchingMisread: string[] = [];
    for (let i = 0; i < touchingCount; i++) {
      const seed = BENCH_SEED + TOUCHING_SEEDS + o.seed * 100_003 + i;
      const s = drawnString(seed, { ...TOUCHING, text: shortNumber(seed) });
      const text = (await detect(model, s)).text.replace(/\n/g, '');
      if (text === s.text) touching++;
      else if (touchingMisread.length < 5) touchingMisread.push(`${s.text}→${text || '∅'}`);
    }
    const result = {
      count: o.count,
      seed: o.seed,
      string_accuracy: whole / o.count,
      digit_accuracy: Math.max(0, 1 - errors / Math.max(1, length)),
      kinds: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, rate(v)])),
      pens: Object.fromEntries(Object.entries(byPen).map(([k, v]) => [k, rate(v)])),
      styles,
      upright_31415: upright,
      broad: { count: broadCount, string_accuracy: broad / broadCount },
      touching: { count: touchingCount, string_accuracy: touching / touchingCount, misread: touchingMisread },
      misread,
    };
    out.info(
      `${o.count} drawn strings: ${pct(result.string_accuracy)} read whole, digits ${pct(result.digit_accuracy)}` +
        (misread.length ? ` (e.g. ${misread.join(', ')})` : ''),
    );
    out.info(
      `by stroke: ${Object.entries(result.kinds)
        .map(([k, v]) => `${k} ${pct(v)}`)
        .join(', ')}`,
    );
    out.info(
      `by pen (px): ${Object.entries(result.pens)
        .map(([k, v]) => `${k} ${pct(v)}`)
        .join(', ')}`,
    );
    out.info(
      `by style: ${Object.entries(styles)
        .map(([k, v]) => `${k} ${pct(v)}`)
        .join(', ')}`,
    );
    out.info(`"31415" with upright 1s, pens 1–8 px: ${Object.values(upright).join(' ')}`);
    out.info(
      `${broadCount} strings written large, close and often narrow with a broad pen (digits 80–130 px, pens 10–24 px): ` +
        `${pct(result.broad.string_accuracy)} read whole`,
    );
    out.info(
      `${touchingCount} numbers of 2–4 digits that touch or cross (gaps −0.06 to 0.02 digit heights): ` +
        `${pct(result.touching.string_accuracy)} read whole` +
        (touchingMisread.length ? ` (e.g. ${touchingMisread.join(', ')})` : ''),
    );
    out.result(result);
  } finally {
    await model.dispose();
  }
}
