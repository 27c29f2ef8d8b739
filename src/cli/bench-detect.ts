import type { Command } from 'commander';
import { loadMnist } from '../data/mnist.js';
import { digitString } from '../data/digit-strings.js';
import { UsageError } from '../errors.js';
import { loadModelFile } from '../io/model-file.js';
import { detect } from '../vision/detect.js';
import { decodeImage } from '../vision/image-input.js';
import { addModelInputOptions, inputScaling, readArchitecture, type ModelInputOptions } from './model-input.js';
import { nonNegativeInt, positiveInt } from './options.js';
import { makeOutput } from './output.js';
import { defaultModelFile } from './recognize.js';

interface BenchDetectOptions extends ModelInputOptions {
  model: string;
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

export function registerBenchDetect(program: Command): void {
  const command = program
    .command('bench-detect')
    .description('accuracy and speed of detect() on synthetic multi-digit images made from the MNIST test set')
    .option('--model <file>', 'model file (.h5 or .keras)', 'model/trained_model.h5')
    .option('--count <n>', 'images', positiveInt, 200)
    .option('--length <min,max>', 'digits per image', '4,8')
    .option('--seed <n>', 'seed of the generator', nonNegativeInt, 1)
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print the accuracies and timings as JSON on the last line');
  addModelInputOptions(command).action(async (o: BenchDetectOptions) => benchDetect(o));
}

async function benchDetect(o: BenchDetectOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const [min, max] = o.length.split(',').map(Number);
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min && max <= 20))
    throw new UsageError('--length must be min,max digits with 1 ≤ min ≤ max ≤ 20');
  const test = loadMnist().test!;
  const { model, metadata } = await loadModelFile(defaultModelFile(o.model), {
    threads: o.threads,
    architecture: readArchitecture(o.arch),
  });
  const { default: sharp } = await import('sharp');
  try {
    const scaling = inputScaling(o, metadata);
    let strings = 0;
    let digits = 0;
    let errors = 0;
    let ms = 0;
    for (let i = 0; i < o.count; i++) {
      const s = digitString(test, o.seed * 1_000_003 + i, { length: [min, max] });
      // Every third image goes through JPEG compression, as photos do.
      let image = { width: s.width, height: s.height, channels: 1 as const, data: s.data };
      if (i % 3 === 2) {
        const jpeg = await sharp(s.data, { raw: { width: s.width, height: s.height, channels: 1 } })
          .jpeg({ quality: 40 + ((i * 7) % 50) })
          .toBuffer();
        const d = await decodeImage(new Uint8Array(jpeg));
        image = { width: d.width, height: d.height, channels: 1, data: d.data as Uint8Array };
      }
      const started = performance.now();
      const r = await detect(model, image, scaling);
      ms += performance.now() - started;
      if (r.text === s.text) strings++;
      digits += s.text.length;
      errors += editDistance(r.text.replace(/\n/g, ''), s.text);
    }
    const result = {
      images: o.count,
      string_accuracy: strings / o.count,
      digit_accuracy: Math.max(0, 1 - errors / digits),
      ms_per_image: ms / o.count,
      length: [min, max],
      seed: o.seed,
    };
    out.info(
      `${o.count} images of ${min}–${max} digits: strings ${(result.string_accuracy * 100).toFixed(1)} %, ` +
        `digits ${(result.digit_accuracy * 100).toFixed(1)} % (1 − edit distance / length), ${result.ms_per_image.toFixed(1)} ms per image`,
    );
    out.result(result);
  } finally {
    await model.kernels.dispose();
  }
}
