import type { Command } from 'commander';
import { loadMnist } from '../data/mnist.js';
import { digitString } from '../data/digit-strings.js';
import { UsageError } from '../errors.js';
import type { ImageSet } from '../data/dataset.js';
import { detect } from '../vision/detect.js';
import type { DigitModel } from '../vision/model.js';
import type { RawImage } from '../vision/preprocess.js';
import { recognize, recognizeAll } from '../vision/recognize.js';
import { installedFonts, printedDigits } from '../data/printed-digits.js';
import { decodeImage } from '../vision/image-input.js';
import { addModelInputOptions, addVerifierOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { nonNegativeInt, positiveInt } from './options.js';
import { makeOutput } from './output.js';

interface BenchDetectOptions extends ModelInputOptions {
  verifier?: string | boolean;
  model?: string;
  count: number;
  length: string;
  seed: number;
  threads?: number;
  json?: boolean;
}

/** Edit distance between two digit strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median times of recognize() on one 28×28 digit (dark ink on white, as a photo crop would be) and of detect() on a
 * 1000×300 RGB JPEG of a written number (decoding included), after a warm-up.
 */
async function speeds(
  model: DigitModel,
  test: ImageSet,
  seed: number,
): Promise<{ recognize_ms: number; detect_photo_ms: number; photo_digits: number }> {
  const { default: sharp } = await import('sharp');
  const digit = { width: 28, height: 28, channels: 1 as const, data: test.images.slice(0, 784).map((v) => 255 - v) };
  const single: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t = performance.now();
    await recognize(model, digit);
    if (i >= 10) single.push(performance.now() - t);
  }
  const s = digitString(test, seed, { length: 7, height: [70, 80] });
  const jpeg = await sharp(s.data, { raw: { width: s.width, height: s.height, channels: 1 } })
    .resize(1000, 300, { fit: 'contain', background: s.darkOnLight ? '#e8e8e8' : '#202020' })
    .toColourspace('srgb')
    .jpeg({ quality: 85 })
    .toBuffer();
  const photo = new Uint8Array(jpeg);
  const many: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t = performance.now();
    await detect(model, photo);
    if (i >= 5) many.push(performance.now() - t);
  }
  return { recognize_ms: median(single), detect_photo_ms: median(many), photo_digits: s.text.length };
}

/** recognize() on the digits 0–9 printed in each installed Debian font. */
async function printedAccuracy(model: DigitModel): Promise<{ fonts: number; accuracy: number; misread: string[] }> {
  const fonts = installedFonts();
  if (fonts.length === 0) return { fonts: 0, accuracy: 0, misread: [] };
  const digits = await printedDigits(fonts);
  const read = await recognizeAll(
    model,
    digits.map((d) => ({ width: d.width, height: d.height, channels: 1 as const, data: d.data })),
  );
  const misread = digits.flatMap((d, i) =>
    read[i].label === d.label ? [] : [`${d.label}→${read[i].label} in ${d.font}`],
  );
  return { fonts: fonts.length, accuracy: 1 - misread.length / digits.length, misread };
}

export function registerBenchDetect(program: Command): void {
  const command = program
    .command('bench-detect')
    .description('accuracy and speed of detect() on synthetic multi-digit images made from the MNIST test set')
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option('--count <n>', 'images', positiveInt, 200)
    .option('--length <min,max>', 'digits per image', '4,8')
    .option('--seed <n>', 'seed of the generator', nonNegativeInt, 1)
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print the accuracies and timings as JSON on the last line');
  addVerifierOptions(addModelInputOptions(command)).action(async (o: BenchDetectOptions) => benchDetect(o));
}

async function benchDetect(o: BenchDetectOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const [min, max] = o.length.split(',').map(Number);
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min && max <= 20))
    throw new UsageError('--length must be min,max digits with 1 ≤ min ≤ max ≤ 20');
  const test = loadMnist().test!;
  const model = await loadImageModel(o, true);
  const { default: sharp } = await import('sharp');
  try {
    let strings = 0;
    let digits = 0;
    let errors = 0;
    let ms = 0;
    for (let i = 0; i < o.count; i++) {
      const s = digitString(test, o.seed * 1_000_003 + i, { length: [min, max] });
      // Every third image goes through JPEG compression, as photos do.
      let image: RawImage = { width: s.width, height: s.height, channels: 1, data: s.data };
      if (i % 3 === 2) {
        const jpeg = await sharp(s.data, { raw: { width: s.width, height: s.height, channels: 1 } })
          .jpeg({ quality: 40 + ((i * 7) % 50) })
          .toBuffer();
        image = await decodeImage(new Uint8Array(jpeg));
      }
      const started = performance.now();
      const r = await detect(model, image);
      ms += performance.now() - started;
      if (r.text === s.text) strings++;
      digits += s.text.length;
      errors += editDistance(r.text.replace(/\n/g, ''), s.text);
    }
    const speed = await speeds(model, test, o.seed);
    const printed = await printedAccuracy(model);
    const result = {
      images: o.count,
      string_accuracy: strings / o.count,
      digit_accuracy: Math.max(0, 1 - errors / digits),
      ms_per_image: ms / o.count,
      length: [min, max],
      seed: o.seed,
      ...speed,
      printed,
    };
    out.info(
      `${o.count} images of ${min}–${max} digits: strings ${(result.string_accuracy * 100).toFixed(1)} %, ` +
        `digits ${(result.digit_accuracy * 100).toFixed(1)} % (1 − edit distance / length), ${result.ms_per_image.toFixed(1)} ms per image`,
    );
    out.info(
      `recognize() of one 28×28 digit: ${speed.recognize_ms.toFixed(2)} ms; detect() of a 1000×300 JPEG photo ` +
        `(${speed.photo_digits} digits, decoding included): ${speed.detect_photo_ms.toFixed(1)} ms (medians)`,
    );
    if (printed.fonts > 0) {
      out.info(
        `printed digits 0–9 in ${printed.fonts} Debian fonts: ${(printed.accuracy * 100).toFixed(1)} %` +
          (printed.misread.length ? ` (misread: ${printed.misread.join(', ')})` : ''),
      );
    } else out.info('printed digits: no Debian fonts installed (apt-get install fonts-dejavu-core fonts-liberation)');
    out.result(result);
  } finally {
    await model.dispose();
  }
}
