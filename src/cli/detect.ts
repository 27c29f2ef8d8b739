import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { annotate } from '../vision/annotate.js';
import { detect } from '../vision/detect.js';
import { decodeImage } from '../vision/image-input.js';
import { addModelInputOptions, addVerifierOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { fraction, positiveInt } from './options.js';
import { makeOutput } from './output.js';

interface DetectCliOptions extends ModelInputOptions {
  verifier?: string | boolean;
  model?: string;
  annotate?: string;
  minConfidence: number;
  threads?: number;
  json?: boolean;
}

export function registerDetect(program: Command): void {
  const command = program
    .command('detect')
    .description('find and read the handwritten digits in an image (a number, a form, a meter)')
    .argument('<image>', 'image file (PNG, JPEG, WebP…)')
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option('--annotate <out.png>', 'also write the image with a box and label on each digit')
    .option('--min-confidence <p>', 'reject candidates classified below this probability', fraction, 0.5)
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print {"file", "text", "digits": [{"label", "confidence", "box"}…]} as the last line');
  addVerifierOptions(addModelInputOptions(command)).action(async (image: string, o: DetectCliOptions) =>
    detectFile(image, o),
  );
}

async function detectFile(file: string, o: DetectCliOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const raw = await decodeImage(file, file);
  const model = await loadImageModel(o, true);
  try {
    const started = performance.now();
    const d = await detect(model, raw, { minConfidence: o.minConfidence });
    const ms = performance.now() - started;
    out.info(`${file}: "${d.text.replace(/\n/g, ' / ')}" (${d.digits.length} digits, ${ms.toFixed(0)} ms)`);
    if (o.annotate) {
      mkdirSync(dirname(o.annotate), { recursive: true });
      writeFileAtomically(o.annotate, await annotate(raw, d));
      out.info(`Wrote ${o.annotate}`);
    }
    out.result({
      file,
      text: d.text,
      digits: d.digits.map(({ label, confidence, box }) => ({ label, confidence, box })),
      annotated: o.annotate ?? null,
    });
  } finally {
    await model.dispose();
  }
}
