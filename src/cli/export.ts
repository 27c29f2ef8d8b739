import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomically } from '../io/atomic.js';
import { loadModelFile, saveModelFile } from '../io/model-file.js';
import { onnxBytes, ONNX_OPSET } from '../io/onnx.js';
import { addModelInputOptions, inputScaling, readArchitecture, type ModelInputOptions } from './model-input.js';
import { makeOutput } from './output.js';

interface ExportOptions extends ModelInputOptions {
  model: string;
  onnx?: string;
  keras?: string;
  h5?: string;
  json?: boolean;
}

export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description('convert a model file: ONNX (opset 13), Keras 3 .keras archive, or Keras HDF5 .h5')
    .requiredOption('--model <file>', 'model file (.h5 or .keras)')
    .option('--onnx <file>', `write an ONNX model (opset ${ONNX_OPSET}; input: the scaled pixels, batch × model input)`)
    .option('--keras <file>', 'write a Keras 3 .keras archive')
    .option('--h5 <file>', 'write a Keras HDF5 file (tf.keras 2.x layout)')
    .option('--json', 'print the written files as JSON on the last line');
  addModelInputOptions(command).action(async (o: ExportOptions) => exportModel(o));
}

async function exportModel(o: ExportOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  if (!o.onnx && !o.keras && !o.h5) throw new UsageError('give at least one of --onnx, --keras, --h5');
  const { model, metadata } = await loadModelFile(o.model, { threads: 1, architecture: readArchitecture(o.arch) });
  try {
    const scaling = inputScaling(o, metadata);
    const kept = { ...(metadata ?? {}), ...scaling };
    const written: Record<string, string | null> = { onnx: null, keras: null, h5: null };
    if (o.onnx) {
      mkdirSync(dirname(o.onnx), { recursive: true });
      writeFileAtomically(o.onnx, onnxBytes(model, scaling));
      written.onnx = o.onnx;
    }
    if (o.keras) {
      // The format follows the name, so a .keras archive needs the extension.
      const file = o.keras.toLowerCase().endsWith('.keras') ? o.keras : `${o.keras}.keras`;
      await saveModelFile(model, file, kept);
      written.keras = file;
    }
    if (o.h5) {
      if (o.h5.toLowerCase().endsWith('.keras')) throw new UsageError('--h5 names a .keras file; use --keras');
      await saveModelFile(model, o.h5, kept);
      written.h5 = o.h5;
    }
    for (const file of Object.values(written)) if (file) out.info(`Wrote ${file}`);
    out.result({ model: o.model, ...written });
  } finally {
    await model.kernels.dispose();
  }
}
