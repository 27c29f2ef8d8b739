/**
 * The evaluation report: from a labelled test set and a model's probabilities on it, the metrics (accuracy,
 * per-class precision/recall/F1, confusion matrix, calibration) and the pictures — training curves, correct and
 * incorrect sample grids, confusion matrix, reliability diagram — plus one self-contained HTML page.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageSet } from '../data/index.js';
import { writeFileAtomically } from '../io/atomic.js';
import { Rng } from '../nn/rng.js';
import { calibrationSpec, confusionSpec, curvesSpec, hasCurves, type HistoryLike } from './charts.js';
import {
  pickRandom,
  predictedActual,
  predictedActualConfidence,
  sampleGrid,
  type GridSample,
  type GridTile,
} from './grid.js';
import { reportHtml } from './html.js';
import {
  argmaxRows,
  calibration,
  classMetrics,
  confusionMatrix,
  macroAverage,
  mostConfusedPairs,
  type CalibrationBin,
  type ClassMetrics,
  type ClassProbabilities,
  type ConfusedPair,
} from './metrics.js';
import { vegaLiteToPng } from './render.js';

export interface ReportInput {
  /** The labelled images the model was evaluated on (usually the test set). */
  images: ImageSet;
  /** The model's class probabilities for every one of them. */
  probabilities: ClassProbabilities;
  /** Mean test loss, if the caller evaluated it (shown as is). */
  loss?: number;
  /** Training history saved with the model; without it there are no curves. */
  history?: HistoryLike | null;
  /** Training recipe saved with the model (shown as a table). */
  recipe?: Record<string, unknown> | null;
  /** Keras-style model summary text. */
  summary?: string;
  /** Where the model and data came from, for the page header. */
  modelFile?: string;
  dataSource?: string;
  /** Seeds the random choice of sample images (default 1). */
  seed?: number;
  /** Samples per grid (default 24 = 4 rows of 6). */
  samples?: number;
}

export interface ConfusedPairWithExamples extends ConfusedPair {
  /** Indices of up to 8 such images, most confident mistakes first. */
  examples: number[];
}

/** The numbers of a report (also its --json output, with the file paths). */
export interface ReportMetrics {
  count: number;
  correct: number;
  accuracy: number;
  loss: number | null;
  /** Expected calibration error over 10 equal-width confidence bins. */
  ece: number;
  per_class: ClassMetrics[];
  macro: { precision: number; recall: number; f1: number };
  /** Rows: actual class, columns: predicted class. */
  confusion_matrix: number[][];
  most_confused: ConfusedPairWithExamples[];
  calibration: CalibrationBin[];
  /** Image indices shown in the correct and incorrect grids. */
  samples: { correct: number[]; incorrect: number[] };
}

/** The report's files by name (PNG bytes or HTML text); `curves.png` is absent without a history. */
export interface Report {
  metrics: ReportMetrics;
  files: Map<ReportFileName, Buffer | string>;
  /** Where each sample sits in correct.png and incorrect.png, with its caption. */
  grids: { correct: GridTile[]; incorrect: GridTile[] };
}

export const REPORT_FILES = [
  'curves.png',
  'correct.png',
  'incorrect.png',
  'confusion.png',
  'calibration.png',
  'report.html',
] as const;
export type ReportFileName = (typeof REPORT_FILES)[number];

/** Computes the metrics and renders every picture and the HTML page, in memory. */
export async function buildReport(input: ReportInput): Promise<Report> {
  const { images, probabilities: p } = input;
  const labels = images.labels;
  if (!labels) throw new RangeError('a report needs labelled images');
  if (p.probabilities.length !== images.count * p.classes)
    throw new RangeError(`${images.count} images but ${p.probabilities.length / p.classes} rows of probabilities`);
  let classes = p.classes;
  for (const l of labels) if (l >= classes) classes = l + 1;
  const predicted = argmaxRows(p);
  const matrix = confusionMatrix(labels, predicted, classes);
  const perClass = classMetrics(matrix);
  const cal = calibration(p, labels);
  const confidence = (i: number) => p.probabilities[i * p.classes + predicted[i]];
  const sample = (i: number): GridSample => ({
    index: i,
    predicted: predicted[i],
    actual: labels[i],
    confidence: confidence(i),
  });

  const right: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < images.count; i++) (predicted[i] === labels[i] ? right : wrong).push(i);
  const rng = new Rng(input.seed ?? 1);
  const random = () => rng.next();
  const perGrid = input.samples ?? 24;
  const shownRight = pickRandom(right, perGrid, random);
  const shownWrong = pickRandom(wrong, perGrid, random);

  const pairs = mostConfusedPairs(matrix, 5).map((pair) => ({
    ...pair,
    examples: wrong
      .filter((i) => labels[i] === pair.actual && predicted[i] === pair.predicted)
      .sort((a, b) => confidence(b) - confidence(a) || a - b)
      .slice(0, 8),
  }));

  const metrics: ReportMetrics = {
    count: images.count,
    correct: right.length,
    accuracy: images.count ? right.length / images.count : 0,
    loss: input.loss ?? null,
    ece: cal.ece,
    per_class: perClass,
    macro: macroAverage(perClass),
    confusion_matrix: matrix,
    most_confused: pairs,
    calibration: cal.bins,
    samples: { correct: shownRight, incorrect: shownWrong },
  };

  // One picture at a time: rendering them concurrently would only raise the peak memory.
  const curves = hasCurves(input.history) ? await vegaLiteToPng(curvesSpec(input.history)) : null;
  const correctGrid = await sampleGrid(images, shownRight.map(sample), {
    heading: `Correctly classified: ${shownRight.length} chosen at random of ${right.length}`,
    caption: predictedActual,
  });
  const incorrectGrid = await sampleGrid(images, shownWrong.map(sample), {
    heading: shownWrong.length
      ? `Misclassified: ${shownWrong.length} chosen at random of ${wrong.length}`
      : 'Misclassified: none',
    caption: predictedActualConfidence,
    captionColor: '#b00000',
  });
  const confusion = await vegaLiteToPng(confusionSpec(matrix, perClass));
  const reliability = await vegaLiteToPng(calibrationSpec(cal));
  const pairStrips: Buffer[] = [];
  for (const pair of pairs) {
    const strip = await sampleGrid(images, pair.examples.map(sample), {
      columns: 8,
      scale: 3,
      caption: (s) => [`${(s.confidence * 100).toFixed(1)} %`],
      captionWidth: 84,
    });
    pairStrips.push(strip.png);
  }

  const files = new Map<ReportFileName, Buffer | string>();
  if (curves) files.set('curves.png', curves);
  files.set('correct.png', correctGrid.png);
  files.set('incorrect.png', incorrectGrid.png);
  files.set('confusion.png', confusion);
  files.set('calibration.png', reliability);
  files.set(
    'report.html',
    reportHtml({
      metrics,
      modelFile: input.modelFile,
      dataSource: input.dataSource,
      summary: input.summary,
      recipe: input.recipe ?? null,
      images: {
        curves,
        correct: correctGrid.png,
        incorrect: incorrectGrid.png,
        confusion,
        calibration: reliability,
        pairs: pairStrips,
      },
    }),
  );
  return { metrics, files, grids: { correct: correctGrid.tiles, incorrect: incorrectGrid.tiles } };
}

/** Where writeReport put each file (null: not written). */
export type ReportPaths = Record<ReportFileName, string | null>;

/** Builds the report and writes its files into `dir` (created if needed; each write atomic). */
export async function writeReport(input: ReportInput, dir: string): Promise<ReportMetrics & { files: ReportPaths }> {
  const report = await buildReport(input);
  mkdirSync(dir, { recursive: true });
  const paths = {} as ReportPaths;
  for (const name of REPORT_FILES) {
    const content = report.files.get(name);
    const file = join(dir, name);
    // A curves.png left by an earlier report would describe another model.
    if (content === undefined) rmSync(file, { force: true });
    else writeFileAtomically(file, content);
    paths[name] = content === undefined ? null : file;
  }
  return { ...report.metrics, files: paths };
}
