/** Reports: metrics from probabilities, sample grids, the HTML report and experiment tables. */
export {
  buildReport,
  REPORT_FILES,
  writeReport,
  type Report,
  type ReportFileName,
  type ReportInput,
  type ReportMetrics,
  type ReportPaths,
} from '../report/report.js';
export * from '../report/metrics.js';
export { sampleGrid, type Grid, type GridOptions, type GridSample, type GridTile } from '../report/grid.js';
export { experimentCsv, experimentMarkdown, experimentSettingsLine, writeExperiment } from '../report/experiment.js';
export type { ExperimentRow, ExperimentSettings } from '../report/experiment.js';
