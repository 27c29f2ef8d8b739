/**
 * A training run's life around fit(): started from a recipe or resumed from a checkpoint, checkpointed after every
 * epoch and on Ctrl-C, its best epoch kept on disk. `digits train` reads as its workflow; the care is here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageSet } from '../data/index.js';
import { DigitsError, ModelFormatError, UsageError } from '../errors.js';
import { checkpointPath, loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { loadModelFile, saveModelFile } from '../io/model-file.js';
import type { Kernels } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { snapshotWeights, type WeightSnapshot } from '../train/callbacks.js';
import { DEFAULT_SCALE } from '../train/evaluate.js';
import { DivergenceError, fit, TrainingInterrupted, trainingStateProblem, type FitOptions } from '../train/fit.js';
import type { History } from '../train/history.js';
import { recipeProblem, trainingPlan, type Recipe, type TrainingPlan } from '../train/recipe.js';
import { modelForTraining } from './architecture.js';

export interface Run {
  model: Sequential;
  recipe: Recipe;
  plan: TrainingPlan;
  /** Where a resumed run starts. */
  resume?: FitOptions['resume'];
}

/**
 * A new run: the recipe's model on `kernels`, compiled as the recipe says. With a checkpoint directory, every new
 * best epoch (under keep_best) is also saved there as best.h5.
 */
export async function startRun(
  recipe: Recipe,
  train: ImageSet,
  classes: number,
  kernels: Kernels,
  checkpointDir?: string,
): Promise<Run> {
  usable(recipe);
  const model = await modelForTraining(recipe.model, classes, [train.height, train.width], kernels, recipe.seed);
  const plan = planFor(model, recipe, train, checkpointDir);
  model.compile({
    optimizer: plan.optimizer,
    loss: recipe.loss,
    labelSmoothing: recipe.label_smoothing,
    samRho: recipe.sam_rho,
  });
  recipe.learning_rate = plan.optimizer.learningRate;
  return { model, recipe, plan };
}

/**
 * The run saved in `checkpointDir`, to continue: its model, optimizer and trainer state, and its recipe (with
 * `epochs` instead of the recorded count when given). It must have been trained on `source`.
 */
export async function resumeRun(
  checkpointDir: string,
  source: string,
  train: ImageSet,
  kernels: Kernels,
  epochs?: number,
): Promise<Run> {
  const c = await loadCheckpoint(checkpointDir, kernels);
  const file = checkpointPath(checkpointDir);
  const problem = trainingStateProblem(c.state);
  if (problem) throw new ModelFormatError(file, `damaged checkpoint: ${problem}`);
  const recipe = c.recipe as unknown as Recipe;
  if (!Number.isInteger(recipe.batch_size) || recipe.batch_size < 1 || typeof recipe.data !== 'string')
    throw new ModelFormatError(file, 'damaged checkpoint: bad recipe');
  if (recipe.data !== source)
    throw new UsageError(`the checkpoint was trained on ${recipe.data}, but --data gives ${source}`);
  if (epochs !== undefined || typeof recipe.epochs !== 'number') recipe.epochs = epochs ?? 10;
  usable(recipe);
  const model = c.model;
  const plan = planFor(model, recipe, train, checkpointDir);
  // The optimizer's state came with the checkpoint: only what training minimizes is set again.
  model.setObjective({ loss: recipe.loss, labelSmoothing: recipe.label_smoothing, samRho: recipe.sam_rho });
  const best = join(checkpointDir, 'best.h5');
  if (plan.best && existsSync(best)) plan.best.snapshot = await weightsOf(best);
  return { model, recipe, plan, resume: c.state as FitOptions['resume'] };
}

/**
 * Trains the run. With a checkpoint directory, a checkpoint is saved after every epoch and on the first Ctrl-C
 * (a second one exits at once); an interrupted or diverged run says where to continue from.
 */
export async function fitRun(
  run: Run,
  train: ImageSet,
  options: Omit<FitOptions, 'resume' | 'signal' | 'onEpochEnd'>,
  checkpointDir?: string,
): Promise<History> {
  const { model, recipe } = run;
  const save = (state: unknown) => saveCheckpoint(model, checkpointDir!, { state, recipe: { ...recipe } });
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130); // a second Ctrl-C does not wait
    stop.abort();
  };
  if (checkpointDir) process.on('SIGINT', onSigint);
  try {
    return await fit(model, train, {
      ...options,
      ...run.plan.fit,
      resume: run.resume,
      signal: stop.signal,
      onEpochEnd: checkpointDir ? async (_epoch, _logs, state) => void (await save(state)) : undefined,
    });
  } catch (e) {
    if (e instanceof TrainingInterrupted && checkpointDir) {
      const file = await save(e.state);
      throw new DigitsError(`${e.message}; checkpoint saved to ${file} (continue with --resume)`, 'E_INTERRUPTED');
    }
    if (e instanceof DivergenceError && checkpointDir && existsSync(checkpointPath(checkpointDir)))
      throw new DigitsError(`${e.message}; the last good checkpoint is ${checkpointPath(checkpointDir)}`, e.code);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function usable(recipe: Recipe): void {
  const problem = recipeProblem(recipe);
  if (problem) throw new UsageError(problem);
}

function planFor(model: Sequential, recipe: Recipe, image: ImageSet, checkpointDir?: string): TrainingPlan {
  const best = checkpointDir ? join(checkpointDir, 'best.h5') : null;
  return trainingPlan(recipe, image, {
    onBest: best
      ? async (epoch, value) =>
          saveModelFile(model, best, {
            scale: DEFAULT_SCALE,
            evaluation: undefined,
            recipe: { ...recipe, best_epoch: epoch, best_val_accuracy: value },
          })
      : undefined,
  });
}

/** The parameter values of a model file (read on its own engine, so nothing is allocated in ours). */
async function weightsOf(file: string): Promise<WeightSnapshot> {
  const { model } = await loadModelFile(file, { threads: 1 });
  try {
    return snapshotWeights(model);
  } finally {
    await model.kernels.dispose();
  }
}
