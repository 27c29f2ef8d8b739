/**
 * Vega-Lite specs for the report's charts: training curves, confusion matrix with per-class metrics, and the
 * reliability diagram. Each function returns a declarative spec with its data inline; render.ts draws it.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Calibration, ClassMetrics } from './metrics.js';

/** Per-epoch metrics as Keras names them (loss, accuracy, val_loss, val_accuracy). */
export interface HistoryLike {
  epochs: { [metric: string]: number | undefined }[];
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
};
const SPLIT_COLORS = { domain: ['training', 'validation'], range: ['#1f77b4', '#ff7f0e'] };

/** Whether a history has anything to draw. */
export function hasCurves(history: HistoryLike | null | undefined): history is HistoryLike {
  return Boolean(history?.epochs.some((e) => typeof e.loss === 'number'));
}

/** Loss and accuracy per epoch, training and validation side by side (the seed's two plots). */
export function curvesSpec(history: HistoryLike): TopLevelSpec {
  const values: { epoch: number; metric: string; split: string; value: number }[] = [];
  history.epochs.forEach((e, i) => {
    for (const metric of ['loss', 'accuracy']) {
      const train = e[metric];
      const val = e[`val_${metric}`];
      if (typeof train === 'number' && Number.isFinite(train))
        values.push({ epoch: i + 1, metric, split: 'training', value: train });
      if (typeof val === 'number' && Number.isFinite(val))
        values.push({ epoch: i + 1, metric, split: 'validation', value: val });
    }
  });
  const panel = (metric: string, title: string) => ({
    title,
    width: 360,
    height: 240,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line' as const, point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative' as const,
        title: 'epoch',
        axis: { tickMinStep: 1, format: 'd' },
        scale: { domainMin: 1, nice: false },
      },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: metric,
        scale: { zero: false },
        axis: metric === 'accuracy' ? { format: '.1%' } : {},
      },
      color: { field: 'split', type: 'nominal' as const, title: null, scale: SPLIT_COLORS },
      tooltip: [{ field: 'epoch' }, { field: 'split' }, { field: 'value', format: '.4f' }],
    },
  });
  return {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values },
    hconcat: [panel('loss', 'Loss'), panel('accuracy', 'Accuracy')],
  } as TopLevelSpec;
}

/** A 10×10 heatmap of counts (rows: actual, columns: predicted) beside per-class precision, recall and F1. */
export function confusionSpec(matrix: number[][], metrics: ClassMetrics[]): TopLevelSpec {
  const cells: { actual: number; predicted: number; count: number }[] = [];
  let max = 0;
  let total = 0;
  let correct = 0;
  matrix.forEach((row, actual) =>
    row.forEach((count, predicted) => {
      cells.push({ actual, predicted, count });
      max = Math.max(max, count);
      total += count;
      if (actual === predicted) correct += count;
    }),
  );
  // Counts span 0 to ~1000, so the colour is on a symmetric-log scale: single mistakes must still show.
  // Text turns white where the cell is dark, i.e. past ~55 % of the colour scale.
  const dark = Math.expm1(0.55 * Math.log1p(max));
  const side = Math.max(200, 34 * matrix.length);
  const heatmap = {
    width: side,
    height: side,
    data: { values: cells },
    encoding: {
      x: { field: 'predicted', type: 'ordinal' as const, title: 'predicted', axis: { labelAngle: 0, orient: 'top' } },
      y: { field: 'actual', type: 'ordinal' as const, title: 'actual' },
    },
    layer: [
      {
        mark: { type: 'rect' as const },
        encoding: {
          color: {
            field: 'count',
            type: 'quantitative' as const,
            scale: { type: 'symlog' as const, scheme: 'blues' },
            legend: null,
          },
        },
      },
      {
        mark: { type: 'text' as const, fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' as const },
          color: { condition: { test: `datum.count > ${dark}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
  const scores = metrics.flatMap((m) => [
    { class: m.class, metric: 'precision', value: m.precision },
    { class: m.class, metric: 'recall', value: m.recall },
    { class: m.class, metric: 'F1', value: m.f1 },
  ]);
  // The colour spans a bit below the worst score to 1, so differences between good classes still show.
  const worst = Math.min(...scores.map((s) => s.value));
  const lowest = Math.max(0, worst - Math.max(0.02, (1 - worst) * 0.5));
  const table = {
    title: 'Per class',
    width: 3 * 62,
    height: side,
    data: { values: scores },
    encoding: {
      x: {
        field: 'metric',
        type: 'nominal' as const,
        sort: ['precision', 'recall', 'F1'],
        title: null,
        axis: { labelAngle: 0, orient: 'top' },
      },
      y: { field: 'class', type: 'ordinal' as const, title: 'class' },
    },
    layer: [
      {
        mark: { type: 'rect' as const },
        encoding: {
          color: {
            field: 'value',
            type: 'quantitative' as const,
            scale: { domain: [lowest, 1], scheme: 'greens' },
            legend: null,
          },
        },
      },
      {
        mark: { type: 'text' as const, fontSize: 11 },
        encoding: {
          text: { field: 'value', type: 'quantitative' as const, format: '.1%' },
          color: {
            condition: { test: `datum.value > ${lowest + 0.55 * (1 - lowest)}`, value: 'white' },
            value: 'black',
          },
        },
      },
    ],
  };
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: {
      text: `Confusion matrix: ${total} images, ${correct} correct (${((correct / (total || 1)) * 100).toFixed(2)} %)`,
      anchor: 'start',
      fontSize: 15,
    },
    hconcat: [heatmap, table],
    spacing: 30,
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** Reliability diagram: accuracy per confidence bin against the diagonal, the gap shaded, counts below. */
export function calibrationSpec(c: Calibration): TopLevelSpec {
  const bins = c.bins.filter((b) => b.count > 0);
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const scale = { domain: [0, 1], nice: false };
  const x = { field: 'lower', type: 'quantitative' as const, scale, title: 'confidence (top-class probability)' };
  const reliability = {
    title: `Reliability diagram: expected calibration error ${(c.ece * 100).toFixed(2)} %`,
    width: 420,
    height: 300,
    layer: [
      {
        data: { values: bins },
        mark: { type: 'bar' as const, color: '#1f77b4', stroke: 'white', strokeWidth: 1 },
        encoding: {
          x,
          x2: { field: 'upper' },
          y: { field: 'accuracy', type: 'quantitative' as const, scale, title: 'accuracy', axis: { format: '.0%' } },
          y2: { datum: 0 },
          tooltip: [{ field: 'count' }, { field: 'confidence', format: '.4f' }, { field: 'accuracy', format: '.4f' }],
        },
      },
      {
        data: { values: bins },
        mark: { type: 'bar' as const, color: '#d62728', opacity: 0.35 },
        encoding: {
          x,
          x2: { field: 'upper' },
          y: { field: 'accuracy', type: 'quantitative' as const },
          y2: { field: 'confidence' },
        },
      },
      {
        data: {
          values: [
            { p: 0, q: 0 },
            { p: 1, q: 1 },
          ],
        },
        mark: { type: 'line' as const, color: '#555', strokeDash: [4, 4] },
        encoding: {
          x: { field: 'p', type: 'quantitative' as const, scale },
          y: { field: 'q', type: 'quantitative' as const, scale },
        },
      },
    ],
  };
  const counts = {
    width: 420,
    height: 110,
    data: { values: bins },
    mark: { type: 'bar' as const, color: '#7f7f7f', stroke: 'white', strokeWidth: 1 },
    encoding: {
      x,
      x2: { field: 'upper' },
      y: {
        field: 'count',
        type: 'quantitative' as const,
        title: 'images (log)',
        scale: { type: 'symlog' as const },
        axis: { values: [0, 1, 10, 100, 1000, 10000, 100000].filter((v) => v <= 10 * maxCount), format: ',.0f' },
      },
      y2: { datum: 0 },
    },
  };
  return { $schema: SCHEMA, config: CONFIG, vconcat: [reliability, counts], spacing: 12 } as TopLevelSpec;
}

/** One line per labelled run: validation accuracy by epoch (digits experiment's chart). */
export function validationCurvesSpec(runs: { label: string; history: HistoryLike }[]): TopLevelSpec {
  const values: { epoch: number; run: string; value: number }[] = [];
  for (const r of runs) {
    r.history.epochs.forEach((e, i) => {
      const v = e.val_accuracy;
      if (typeof v === 'number' && Number.isFinite(v)) values.push({ epoch: i + 1, run: r.label, value: v });
    });
  }
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: 'Validation accuracy by epoch',
    width: 520,
    height: 320,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        axis: { tickMinStep: 1, format: 'd' },
        scale: { domainMin: 1, nice: false },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: 'validation accuracy',
        scale: { zero: false },
        axis: { format: '.1%' },
      },
      color: { field: 'run', type: 'nominal', title: 'optimizer, lr', sort: runs.map((r) => r.label) },
      tooltip: [{ field: 'run' }, { field: 'epoch' }, { field: 'value', format: '.4f' }],
    },
  } as TopLevelSpec;
}
