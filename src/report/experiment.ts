/**
 * The files of `digits experiment`: a markdown table, the same as CSV, and a chart of the validation curves.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { validationCurvesSpec, type HistoryLike } from './charts.js';
import { svgToPng, vegaLiteToSvg } from './render.js';

/** What the table needs of a run (train/experiment.ts's ExperimentRun has these fields). */
export interface ExperimentRow {
  optimizer: string;
  learning_rate: number;
  best_val_accuracy: number | null;
  best_epoch: number | null;
  test_accuracy: number | null;
  seconds: number;
  diverged: string | null;
  history: HistoryLike;
}

/** What every run of a grid shared (train/experiment.ts's ExperimentResult extends it); null: not used. */
export interface ExperimentSettings {
  model: string;
  epochs: number;
  batch_size: number;
  seed: number;
  validation_split: number;
  momentum: number | null;
  bn_reestimate: number | null;
  ema_momentum: number | null;
  sam_rho: number | null;
}

export interface ExperimentFiles {
  markdown: string;
  csv: string;
  chart_svg: string;
  chart_png: string;
}

/** What a run's `diverged` says when `experiment --collect` found no model file for it. */
export const NOT_FINISHED = 'not finished';
const outcome = (r: ExperimentRow) => (r.diverged === NOT_FINISHED ? NOT_FINISHED : r.diverged ? 'diverged' : null);

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)} %`);

/** The run's name in the table and the chart legend: "adam, 0.001". */
export function runLabel(r: { optimizer: string; learning_rate: number }): string {
  return `${r.optimizer}, ${r.learning_rate}`;
}

/** One sentence naming what every run shared, so a table read on its own says how it was made. */
export function experimentSettingsLine(s: ExperimentSettings): string {
  const parts = [
    s.model,
    `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}`,
    `batch ${s.batch_size}`,
    `seed ${s.seed}`,
    `${+(s.validation_split * 100).toFixed(2)} % of the training rows held out for validation`,
  ];
  if (s.momentum !== null) parts.push(`SGD momentum ${s.momentum}`);
  if (s.bn_reestimate !== null) parts.push(`batch-norm statistics re-estimated from ${s.bn_reestimate} images`);
  if (s.ema_momentum !== null) parts.push(`weights averaged with EMA momentum ${s.ema_momentum}`);
  if (s.sam_rho !== null) parts.push(`sharpness-aware steps with ρ ${s.sam_rho}`);
  return `Every run: ${parts.join(', ')}.`;
}

/** Markdown table, best test accuracy marked in bold; with `settings`, a line above it says what runs shared. */
export function experimentMarkdown(rows: ExperimentRow[], settings?: ExperimentSettings): string {
  const best = Math.max(...rows.map((r) => r.test_accuracy ?? -1));
  const lines = [
    ...(settings ? [experimentSettingsLine(settings), ''] : []),
    '| optimizer | learning rate | best val accuracy (epoch) | test accuracy | seconds |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const val = r.best_val_accuracy === null ? '–' : `${pct(r.best_val_accuracy)} (${r.best_epoch})`;
    let test = outcome(r) ?? pct(r.test_accuracy);
    if (r.test_accuracy !== null && r.test_accuracy === best) test = `**${test}**`;
    lines.push(`| ${r.optimizer} | ${r.learning_rate} | ${val} | ${test} | ${r.seconds.toFixed(1)} |`);
  }
  return lines.join('\n') + '\n';
}

const SETTING_COLUMNS = [
  'model',
  'epochs',
  'batch_size',
  'seed',
  'validation_split',
  'momentum',
  'bn_reestimate',
  'ema_momentum',
  'sam_rho',
] as const;

/** A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break, e.g. a model path. */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * CSV with a header row; empty cells where a run has no value. With `settings`, every row also carries what the
 * runs shared (columns model … sam_rho), so files from several experiments can be stacked.
 */
export function experimentCsv(rows: ExperimentRow[], settings?: ExperimentSettings): string {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  const shared = settings ? SETTING_COLUMNS.map((k) => csvField(String(settings[k] ?? ''))) : [];
  const header = [
    'optimizer',
    'learning_rate',
    'best_val_accuracy',
    'best_epoch',
    'test_accuracy',
    'seconds',
    'diverged',
  ];
  const lines = [[...header, ...(settings ? SETTING_COLUMNS : [])].join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.optimizer,
        r.learning_rate,
        cell(r.best_val_accuracy),
        cell(r.best_epoch),
        cell(r.test_accuracy),
        r.seconds.toFixed(3),
        r.diverged === NOT_FINISHED ? NOT_FINISHED : r.diverged ? 'yes' : 'no',
        ...shared,
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** Writes experiment.md, experiment.csv and validation-curves.{svg,png} into `dir`. */
export async function writeExperiment(
  rows: ExperimentRow[],
  dir: string,
  settings?: ExperimentSettings,
): Promise<ExperimentFiles> {
  mkdirSync(dir, { recursive: true });
  const files: ExperimentFiles = {
    markdown: join(dir, 'experiment.md'),
    csv: join(dir, 'experiment.csv'),
    chart_svg: join(dir, 'validation-curves.svg'),
    chart_png: join(dir, 'validation-curves.png'),
  };
  writeFileAtomically(files.markdown, experimentMarkdown(rows, settings));
  writeFileAtomically(files.csv, experimentCsv(rows, settings));
  const svg = await vegaLiteToSvg(validationCurvesSpec(rows.map((r) => ({ label: runLabel(r), history: r.history }))));
  writeFileAtomically(files.chart_svg, svg);
  writeFileAtomically(files.chart_png, await svgToPng(svg));
  return files;
}
