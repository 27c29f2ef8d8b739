import type { Command } from 'commander';
import { DigitsError } from '../errors.js';
import { decodeImage } from '../vision/image-input.js';
import { preprocess, type Preprocessed } from '../vision/preprocess.js';
import { classifyPreprocessed } from '../vision/recognize.js';
import { addModelInputOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { positiveInt } from './options.js';
import { makeOutput } from './output.js';

interface RecognizeCliOptions extends ModelInputOptions {
  model?: string;
  threads?: number;
  json?: boolean;
}

export function registerRecognize(program: Command): void {
  const command = program
    .command('recognize')
    .description('recognise the single handwritten digit in each image (PNG, JPEG, WebP…), preprocessed like MNIST')
    .argument('<images...>', 'image files')
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print {"results": [{"file", "label", "confidence", "probabilities"}…]} as the last line');
  addModelInputOptions(command).action(async (images: string[], o: RecognizeCliOptions) => recognizeFiles(images, o));
}

async function recognizeFiles(files: string[], o: RecognizeCliOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  // Every image is read and preprocessed first; the model is loaded once and classifies them in one batch.
  const prepared: (Preprocessed | Error)[] = [];
  for (const file of files) {
    try {
      prepared.push(preprocess(await decodeImage(file, file)));
    } catch (e) {
      if (!(e instanceof DigitsError)) throw e;
      prepared.push(e);
    }
  }
  const model = await loadImageModel(o);
  try {
    const good = prepared.filter((p): p is Preprocessed => !(p instanceof Error));
    const recognitions = classifyPreprocessed(model, good);
    let next = 0;
    const results = files.map((file, i) => {
      const p = prepared[i];
      if (p instanceof Error) {
        const message = p.message.startsWith(file) ? p.message : `${file}: ${p.message}`;
        // With --json the reason is in the result; stderr keeps its single error line.
        if (!out.json) out.info(message);
        return { file, error: message };
      }
      const r = recognitions[next++];
      out.info(`${file}: ${r.label} (${(r.confidence * 100).toFixed(1)} %)`);
      return { file, label: r.label, confidence: r.confidence, probabilities: r.probabilities };
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
