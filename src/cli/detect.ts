import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { DigitsError } from '../errors.js';
import { writeFileAtomically } from '../io/atomic.js';
import { annotate } from '../vision/annotate.js';
import { detect } from '../vision/detect.js';
import { decodeImage, type DecodedImage } from '../vision/image-input.js';
import { WORKING_SIDE } from '../vision/paper.js';
import type { DigitModel } from '../vision/model.js';
import { addModelInputOptions, addVerifierOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { fraction, positiveInt } from './options.js';
import { makeOutput, type Output } from './output.js';

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
    .description('find and read the handwritten digits in images (a number, a form, a meter)')
    .argument('<images...>', 'image files (PNG, JPEG, WebP…)')
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option(
      '--annotate <out>',
      'also write each image with a box and label on each digit: OUT.png for one image, a directory for several',
    )
    .option('--min-confidence <p>', 'reject candidates classified below this probability', fraction, 0.5)
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option(
      '--json',
      'print {"file", "text", "digits": [{"label", "confidence", "box"}…]} as the last line ({"results": […]} for several images)',
    );
  addVerifierOptions(addModelInputOptions(command)).action(async (images: string[], o: DetectCliOptions) =>
    detectFiles(images, o),
  );
}

/**
 * Where the annotated copy of each file goes: the --annotate path itself for one image; for several, NAME.png
 * inside it (NAME-2.png, … where two files share a name).
 */
function annotatedPaths(files: string[], annotate: string | undefined): (string | null)[] {
  if (!annotate) return files.map(() => null);
  if (files.length === 1) return [annotate];
  const used = new Set<string>();
  return files.map((file) => {
    const stem = basename(file, extname(file));
    let name = `${stem}.png`;
    for (let k = 2; used.has(name); k++) name = `${stem}-${k}.png`;
    used.add(name);
    return join(annotate, name);
  });
}

async function detectOne(
  model: DigitModel,
  file: string,
  raw: DecodedImage,
  annotated: string | null,
  o: DetectCliOptions,
  out: Output,
): Promise<Record<string, unknown>> {
  const started = performance.now();
  const d = await detect(model, raw, { minConfidence: o.minConfidence });
  const ms = performance.now() - started;
  out.info(`${file}: "${d.text.replace(/\n/g, ' / ')}" (${d.digits.length} digits, ${ms.toFixed(0)} ms)`);
  if (annotated) {
    mkdirSync(dirname(annotated), { recursive: true });
    writeFileAtomically(annotated, await annotate(raw, d));
    out.info(`Wrote ${annotated}`);
  }
  return {
    file,
    text: d.text,
    digits: d.digits.map(({ label, confidence, box }) => ({ label, confidence, box })),
    annotated,
  };
}

async function detectFiles(files: string[], o: DetectCliOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const several = files.length > 1;
  const annotated = annotatedPaths(files, o.annotate);
  // One image: its failure is the command's. Several: each failure is that file's result, and counted at the end.
  const first = several ? null : await decodeImage(files[0], files[0], { maxSide: WORKING_SIDE }); // fails before the model loads
  const model = await loadImageModel(o, true);
  try {
    if (first) {
      out.result(await detectOne(model, files[0], first, annotated[0], o, out));
      return;
    }
    const results: Record<string, unknown>[] = [];
    for (const [i, file] of files.entries()) {
      try {
        results.push(
          await detectOne(model, file, await decodeImage(file, file, { maxSide: WORKING_SIDE }), annotated[i], o, out),
        );
      } catch (e) {
        if (!(e instanceof DigitsError)) throw e;
        const message = e.message.startsWith(file) ? e.message : `${file}: ${e.message}`;
        process.stderr.write(message + '\n');
        results.push({ file, error: message });
      }
    }
    out.result({ results });
    const failed = results.filter((r) => 'error' in r).length;
    if (failed > 0) throw new DigitsError(`${failed} of ${files.length} images could not be read`, 'E_IMAGE');
  } finally {
    await model.dispose();
  }
}
