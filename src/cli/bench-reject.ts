import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { idxImageSet } from '../data/idx-dataset.js';
import { loadMnist } from '../data/mnist.js';
import { drawnMark, MARK_KINDS, NON_DIGIT_CHARS, nonDigitFonts } from '../data/non-digits.js';
import { printedTexts } from '../data/printed-digits.js';
import { UsageError } from '../errors.js';
import { detect } from '../vision/detect.js';
import type { RawImage } from '../vision/preprocess.js';
import { recognizeAll } from '../vision/recognize.js';
import { addModelInputOptions, addVerifierOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { nonNegativeInt, positiveInt } from './options.js';
import { makeOutput } from './output.js';

interface BenchRejectOptions extends ModelInputOptions {
  model?: string;
  verifier?: string | boolean;
  count: number;
  marks: number;
  usps?: string;
  threads?: number;
  json?: boolean;
}

/** Seeds of the bench's pen marks: the verifier trains on seeds below 9,000,000. */
const MARK_SEED = 9_000_000;

export function registerBenchReject(program: Command): void {
  const command = program
    .command('bench-reject')
    .description(
      'how well recognize() and detect() tell what is not a digit: held-out letters and symbols in held-out fonts, ' +
        'pen marks, and the real digits wrongly rejected (MNIST test, and USPS with --usps)',
    )
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option('--count <n>', 'MNIST test digits checked for wrong rejections', positiveInt, 10_000)
    .option('--marks <n>', 'pen marks of each kind', nonNegativeInt, 20)
    .option('--usps <dir>', 'folder of the USPS IDX files (usps-train-images-idx3-ubyte, …), read as tight 16×16 crops')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print the rates as JSON on the last line');
  addVerifierOptions(addModelInputOptions(command)).action(async (o: BenchRejectOptions) => benchReject(o));
}

interface NonDigitScore {
  count: number;
  /** Share that recognize() says is not a digit. */
  rejected: number;
  /** Share where detect() reads no digit at all. */
  detect_empty: number;
  /** What recognize() took for a digit, by character or kind. */
  accepted: Record<string, number>;
}

async function benchReject(o: BenchRejectOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const uspsFiles = o.usps
    ? ['usps-train-images-idx3-ubyte', 'usps-train-labels-idx1-ubyte'].map((f) => join(o.usps!, f))
    : null;
  if (uspsFiles && !uspsFiles.every((f) => existsSync(f)))
    throw new UsageError(
      `--usps: ${o.usps} does not hold usps-train-images-idx3-ubyte and usps-train-labels-idx1-ubyte`,
    );
  const fonts = nonDigitFonts('heldOut');
  if (fonts.length === 0)
    out.info('no held-out fonts (fonts-liberation: npm run setup:browser installs them): no letters');
  const model = await loadImageModel(o, true);
  try {
    const score = async (items: { name: string; image: RawImage }[]): Promise<NonDigitScore> => {
      const read = await recognizeAll(
        model,
        items.map((i) => i.image),
      );
      const accepted: Record<string, number> = {};
      let empty = 0;
      for (const [i, item] of items.entries()) {
        if (read[i].isDigit) accepted[item.name] = (accepted[item.name] ?? 0) + 1;
        if ((await detect(model, item.image)).digits.length === 0) empty++;
      }
      const n = Math.max(1, items.length);
      const rejected = items.length - Object.values(accepted).reduce((a, b) => a + b, 0);
      return { count: items.length, rejected: rejected / n, detect_empty: empty / n, accepted };
    };
    const texts = await printedTexts(fonts, NON_DIGIT_CHARS.heldOut);
    const chars = await score(texts.map((t) => ({ name: t.text, image: { ...t, channels: 1 as const } })));
    const marks = await score(
      MARK_KINDS.flatMap((kind, k) =>
        Array.from({ length: o.marks }, (_, i) => ({ name: kind, image: drawnMark(MARK_SEED + k * 1000 + i, kind) })),
      ),
    );
    const line = (what: string, s: NonDigitScore) =>
      out.info(
        `${what}: recognize() rejects ${(s.rejected * 100).toFixed(1)} %, detect() reads nothing in ` +
          `${(s.detect_empty * 100).toFixed(1)} % (of ${s.count}); taken for digits: ` +
          (Object.entries(s.accepted)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'),
      );
    line(`held-out letters and symbols (${NON_DIGIT_CHARS.heldOut.join('')}) in ${fonts.length} held-out fonts`, chars);
    line(`pen marks (${o.marks} of each of ${MARK_KINDS.length} kinds)`, marks);

    const wronglyRejected = async (images: RawImage[], labels: Uint8Array) => {
      const read = await recognizeAll(model, images);
      const reasons: Record<string, number> = {};
      let correct = 0;
      for (const [i, r] of read.entries()) {
        if (!r.isDigit) reasons[r.reason!] = (reasons[r.reason!] ?? 0) + 1;
        if (r.isDigit && r.label === labels[i]) correct++;
      }
      const rejected = Object.values(reasons).reduce((a, b) => a + b, 0);
      return {
        count: images.length,
        wrongly_rejected: rejected / images.length,
        accepted_and_right: correct / images.length,
        reasons,
      };
    };
    const test = loadMnist().test!;
    const n = Math.min(o.count, test.count);
    const mnist = await wronglyRejected(
      Array.from({ length: n }, (_, i) => ({
        width: 28,
        height: 28,
        channels: 1 as const,
        data: test.images.subarray(i * 784, (i + 1) * 784),
      })),
      test.labels!,
    );
    out.info(
      `MNIST test, ${n} digits as they are: wrongly rejected ${(mnist.wrongly_rejected * 100).toFixed(2)} %, ` +
        `accepted and read right ${(mnist.accepted_and_right * 100).toFixed(2)} %`,
    );
    let usps: typeof mnist | null = null;
    if (uspsFiles) {
      const set = idxImageSet(uspsFiles[0], uspsFiles[1]);
      usps = await wronglyRejected(
        Array.from({ length: set.count }, (_, i) => ({
          width: set.width,
          height: set.height,
          channels: 1 as const,
          // Dark ink on white, as a scan of a form's box gives it.
          data: set.images.subarray(i * set.width * set.height, (i + 1) * set.width * set.height).map((v) => 255 - v),
        })),
        set.labels!,
      );
      out.info(
        `USPS, ${set.count} tight ${set.width}×${set.height} crops: wrongly rejected ` +
          `${(usps.wrongly_rejected * 100).toFixed(2)} %, accepted and read right ${(usps.accepted_and_right * 100).toFixed(2)} %`,
      );
    }
    out.result({ chars, marks, mnist, usps });
  } finally {
    await model.dispose();
  }
}
