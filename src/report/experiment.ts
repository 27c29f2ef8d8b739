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

export interface ExperimentFiles {
  markdown: string;
  csv: string;
  chart_svg: string;
  chart_png: string;
}

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)} %`);

/** The run's name in the table and the chart legend: "adam, 0.001". */
export function runLabel(r: { optimizer: string; learning_rate: number }): string {
  return `${r.optimizer}, ${r.learning_rate}`;
}

/** Markdown table, best test accuracy marked in bold. */
export function experimentMarkdown(rows: ExperimentRow[]): string {
  const best = Math.max(...rows.map((r) => r.test_accuracy ?? -1));
  const lines = [
    '| optimizer | learning rate | best val accuracy (epoch) | test accuracy | seconds |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const val = r.best_val_accuracy === null ? '–' : `${pct(r.best_val_accuracy)} (${r.best_epoch})`;
    let test = r.diverged ? 'diverged' : pct(r.test_accuracy);
    if (r.test_accuracy !== null && r.test_accuracy === best) test = `**${test}**`;
    lines.push(`| ${r.optimizer} | ${r.learning_rate} | ${val} | ${test} | ${r.seconds.toFixed(1)} |`);
  }
  return lines.join('\n') + '\n';
}

/** CSV with a header row; empty cells where a run has no value. */
export function experimentCsv(rows: ExperimentRow[]): string {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  const lines = ['optimizer,learning_rate,best_val_accuracy,best_epoch,test_accuracy,seconds,diverged'];
  for (const r of rows) {
    lines.push(
      [
        r.optimizer,
        r.learning_rate,
        cell(r.best_val_accuracy),
        cell(r.best_epoch),
        cell(r.test_accuracy),
        r.seconds.toFixed(3),
        r.diverged ? 'yes' : 'no',
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** Writes experiment.md, experiment.csv and validation-curves.{svg,png} into `dir`. */
export async function writeExperiment(rows: ExperimentRow[], dir: string): Promise<ExperimentFiles> {
  mkdirSync(dir, { recursive: true });
  const files: ExperimentFiles = {
    markdown: join(dir, 'experiment.md'),
    csv: join(dir, 'experiment.csv'),
    chart_svg: join(dir, 'validation-curves.svg'),
    chart_png: join(dir, 'validation-curves.png'),
  };
  writeFileAtomically(files.markdown, experimentMarkdown(rows));
  writeFileAtomically(files.csv, experimentCsv(rows));
  const svg = await vegaLiteToSvg(validationCurvesSpec(rows.map((r) => ({ label: runLabel(r), history: r.history }))));
  writeFileAtomically(files.chart_svg, svg);
  writeFileAtomically(files.chart_png, await svgToPng(svg));
  return files;
}
