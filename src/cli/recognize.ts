import type { Command } from 'commander';
import { DigitsError } from '../errors.js';
import { decodeImage } from '../vision/image-input.js';
import type { RawImage } from '../vision/preprocess.js';
import { recognizeAll, RECOGNIZE_SIDE, type Recognition } from '../vision/recognize.js';
import { addModelInputOptions, addVerifierOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { positiveInt } from './options.js';
import { makeOutput } from './output.js';

interface RecognizeCliOptions extends ModelInputOptions {
  model?: string;
  verifier?: string | boolean;
  threads?: number;
  json?: boolean;
}

export function registerRecognize(program: Command): void {
  const command = program
    .command('recognize')
    .description(
      'recognise the single handwritten digit in each image (PNG, JPEG, WebP…), preprocessed like MNIST, and say ' +
        'when an image holds no digit, several, or something else',
    )
    .argument('<images...>', 'image files')
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option(
      '--json',
      'print {"results": [{"file", "label", "confidence", "probabilities", "is_digit", "reason"}…]} as the last line',
    );
  addVerifierOptions(addModelInputOptions(command)).action(async (images: string[], o: RecognizeCliOptions) =>
    recognizeFiles(images, o),
  );
}

/** One line for a person: the digit and its probability, or why it is not one. */
function readingLine(r: Recognition): string {
  const reading = `${r.label}, ${(r.confidence * 100).toFixed(1)} %`;
  if (r.isDigit) return `${r.label} (${(r.confidence * 100).toFixed(1)} %)`;
  if (r.reason === 'blank') return 'blank (no ink)';
  const pct = (p: number | undefined) => (p === undefined ? '' : `${(p * 100).toFixed(1)} %`);
  const judged = [
    r.judgement !== undefined ? `shaped like a digit: ${pct(r.judgement)}` : '',
    r.digitness !== undefined ? `one whole digit: ${pct(r.digitness)}` : '',
  ].filter(Boolean);
  return `${r.reason} (the model would read ${reading}${judged.map((j) => `; ${j}`).join('')})`;
}

async function recognizeFiles(files: string[], o: RecognizeCliOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  // Every image is read first; the model is loaded once and classifies them in one batch.
  const decoded: (RawImage | Error)[] = [];
  for (const file of files) {
    try {
      decoded.push(await decodeImage(file, file, { maxSide: RECOGNIZE_SIDE }));
    } catch (e) {
      if (!(e instanceof DigitsError)) throw e;
      decoded.push(e);
    }
  }
  // One file: its failure is the command's, one error line.
  if (files.length === 1 && decoded[0] instanceof Error) throw decoded[0];
  const model = await loadImageModel(o, true);
  try {
    const recognitions = await recognizeAll(
      model,
      decoded.filter((p): p is RawImage => !(p instanceof Error)),
    );
    let next = 0;
    const results = files.map((file, i) => {
      const p = decoded[i];
      if (p instanceof Error) {
        const message = p.message.startsWith(file) ? p.message : `${file}: ${p.message}`;
        process.stderr.write(message + '\n');
        return { file, error: message };
      }
      const r = recognitions[next++];
      out.info(`${file}: ${readingLine(r)}`);
      return {
        file,
        label: r.label,
        confidence: r.confidence,
        probabilities: r.probabilities,
        is_digit: r.isDigit,
        ...(r.reason ? { reason: r.reason } : {}),
      };
    });
    const failed = results.filter((r) => 'error' in r).length;
    out.result({ results });
    if (failed > 0)
      throw new DigitsError(
        `${failed} of ${files.length} image${files.length > 1 ? 's' : ''} could not be recognised`,
        'E_IMAGE',
      );
  } finally {
    await model.dispose();
  }
}
