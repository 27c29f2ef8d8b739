import type { Command } from 'commander';
import { loadEvaluationSet, type ImageSet } from '../data/index.js';
import type { ModelMetadata } from '../io/keras-h5.js';
import { loadModelFile } from '../io/model-file.js';
import type { Sequential } from '../nn/sequential.js';
import type { ClassProbabilities } from '../report/metrics.js';
import { writeReport, type ReportInput, type ReportMetrics, type ReportPaths } from '../report/report.js';
import { evaluate, predict } from '../train/evaluate.js';
import { addModelInputOptions, inputScaling, readArchitecture, type ModelInputOptions } from './model-input.js';
import { nonNegativeInt, positiveInt } from './options.js';
import { makeOutput, type Output } from './output.js';

interface ReportOptions extends ModelInputOptions {
  model: string;
  data?: string;
  out: string;
  seed: number;
  threads?: number;
  json?: boolean;
}

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description(
      'write pictures and an HTML page about a model: training curves, sample grids, confusion matrix, calibration',
    )
    .requiredOption('--model <file>', 'model file (.h5 or .keras)')
    .option('--data <path>', 'labelled dataset to evaluate on (its test split; default: the MNIST test set)')
    .option('--out <dir>', 'directory for the files', 'results')
    .option('--seed <n>', 'seed for the random choice of sample images', nonNegativeInt, 1)
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print the metrics and file paths as the last line');
  addModelInputOptions(command).action(async (o: ReportOptions) => {
    const out = makeOutput(Boolean(o.json));
    const { source, set } = loadEvaluationSet(o.data);
    // The model is loaded, run and released inside this call, so rendering gets the engine's memory back.
    const input = await reportInputFromFile(o, set, source);
    const r = await writeReport(input, o.out);
    printReport(out, r);
    out.result({ ...r });
  });
}

async function reportInputFromFile(o: ReportOptions, set: ImageSet, dataSource: string): Promise<ReportInput> {
  const { model, metadata } = await loadModelFile(o.model, {
    threads: o.threads,
    architecture: readArchitecture(o.arch),
  });
  try {
    const scaling = inputScaling(o, metadata);
    const { loss } = evaluate(model, set, scaling);
    const predictions = predict(model, set, scaling);
    return modelReportInput(model, metadata, set, predictions, loss, { seed: o.seed, modelFile: o.model, dataSource });
  } finally {
    await model.kernels.dispose();
  }
}

/** What the report shows about a model: its outputs on a labelled set and what its file says of its training. */
export function modelReportInput(
  model: Sequential,
  metadata: ModelMetadata | null,
  set: ImageSet,
  predictions: ClassProbabilities,
  loss: number,
  options: { seed: number; modelFile: string; dataSource: string },
): ReportInput {
  return {
    images: set,
    probabilities: { probabilities: predictions.probabilities, classes: predictions.classes },
    loss,
    history: metadata?.history ?? null,
    recipe: metadata?.recipe ?? null,
    summary: model.summary(),
    ...options,
  };
}

/** Human-readable lines about a written report. */
export function printReport(out: Output, r: ReportMetrics & { files: ReportPaths }): void {
  out.info(
    `Report: accuracy ${(r.accuracy * 100).toFixed(2)} % (${r.correct} of ${r.count}), ` +
      `macro F1 ${(r.macro.f1 * 100).toFixed(2)} %, ECE ${(r.ece * 100).toFixed(2)} %`,
  );
  const top = r.most_confused.slice(0, 3).map((p) => `${p.actual}→${p.predicted} (${p.count})`);
  if (top.length) out.info(`Most confused: ${top.join(', ')}`);
  const written = Object.values(r.files).filter((f): f is string => f !== null);
  out.info(`Wrote ${written.join(', ')}`);
}
