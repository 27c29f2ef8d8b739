/** Training: fit, evaluation, callbacks, schedules, recipes, experiments, ensembles and batch-norm statistics. */
export { DEFAULT_SCALE, evaluate, predict, type Evaluation, type Predictions } from '../train/evaluate.js';
export { DivergenceError, fit, TrainingInterrupted, type FitOptions, type TrainingState } from '../train/fit.js';
export { reestimateBatchNorm, type ReestimateOptions } from '../train/batch-norm-statistics.js';
export { historyByMetric, type EpochLogs, type History } from '../train/history.js';
export { learningRateAt, SCHEDULE_NAMES, type Schedule, type ScheduleName } from '../train/schedules.js';
export {
  earlyStopping,
  keepBest,
  reduceOnPlateau,
  restoreWeights,
  snapshotWeights,
  type EpochCallback,
  type Monitor,
} from '../train/callbacks.js';
export { recipeFromValues, recipeProblem, trainingPlan, type Recipe, type TrainingPlan } from '../train/recipe.js';
export { RECIPE_OPTIONS, type RecipeOptionName, type RecipeOptionValues } from '../train/recipe-options.js';
export {
  runExperiment,
  type ExperimentOptions,
  type ExperimentResult,
  type ExperimentRun,
} from '../train/experiment.js';
export {
  accuracyOf,
  combinePredictions,
  memberAgreement,
  type EnsembleMode,
  type MemberAgreement,
} from '../train/ensemble.js';
export { consoleProgress, silentProgress, type ProgressReporter } from '../train/progress.js';
