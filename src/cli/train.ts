import type { Command } from 'commander';
import { classCount, loadDataset, type Dataset, type ImageSet } from '../data/index.js';
import { DigitsError, UsageError } from '../errors.js';
import { checkpointPath } from '../io/checkpoint.js';
import { saveModelFile } from '../io/model-file.js';
import { writeSubmission } from '../io/submission.js';
import { createKernels } from '../kernels/index.js';
import { isPresetName } from '../nn/presets.js';
import { writeReport, type ReportInput, type ReportPaths } from '../report/report.js';
import { DEFAULT_SCALE, evaluate, predict } from '../train/evaluate.js';
import { consoleProgress } from '../train/progress.js';
import { recipeFromValues } from '../train/recipe.js';
import type { RecipeOptionValues } from '../train/recipe-options.js';
import { VERSION } from '../version.js';
import { MODEL_OPTION_HELP, modelSpec } from './architecture.js';
import { applyConfigFile } from './config-file.js';
import { positiveInt } from './options.js';
import { makeOutput, type Output } from './output.js';
import { applyPresetDefaults } from './preset-defaults.js';
import { addRecipeOptions } from './recipe-flags.js';
import { modelReportInput, printReport } from './report.js';
import { fitRun, resumeRun, startRun } from './train-run.js';

interface TrainOptions extends RecipeOptionValues {
  config?: string;
  model: string;
  data?: string;
  out: string;
  submission: string;
  threads?: number;
  checkpointDir?: string;
  resume?: boolean;
  report: boolean;
  reportDir: string;
  json?: boolean;
  /** Whether --epochs was given (on --resume, the checkpoint's epoch count applies otherwise). */
  epochsGiven?: boolean;
}

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description(
      'train a model (default: the seed MLP on the embedded MNIST), evaluate it, save it, write a submission',
    )
    .option('--config <file>', 'JSON file of options (keys as the long option names); flags given here win')
    .option('--model <preset|file>', MODEL_OPTION_HELP, modelSpec, 'mlp');
  addRecipeOptions(command)
    .option('--data <path>', 'dataset: IDX directory/file, mnist.npz, or Kaggle CSV (default: embedded MNIST)')
    .option('--out <file>', 'model file to write (.h5: Keras HDF5; .keras: Keras 3 archive)', 'model/trained_model.h5')
    .option('--submission <file>', 'Kaggle submission for the test set', 'results/submission.csv')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option(
      '--checkpoint-dir <dir>',
      'save a checkpoint (model, optimizer, RNG, epoch) after every epoch and on Ctrl-C',
    )
    .option('--resume', 'continue the run saved in --checkpoint-dir (its recipe is reused; --epochs may extend it)')
    .option('--report-dir <dir>', 'where the report (curves, sample grids, confusion matrix, HTML) goes', 'results')
    .option('--no-report', 'skip the report')
    .option('--json', 'print a JSON summary as the last line')
    .action(async (o: TrainOptions, command: Command) => {
      if (o.config) applyConfigFile(command, o.config);
      const { model } = command.opts<TrainOptions>();
      if (isPresetName(model)) applyPresetDefaults(command, model);
      const options = command.opts<TrainOptions>();
      await train({
        ...options,
        epochsGiven: ['cli', 'config'].includes(command.getOptionValueSource('epochs') ?? ''),
      });
    });
}

async function train(o: TrainOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const started = performance.now();
  const { result, reportInput } = await trainAndSave(o, out);
  // The engine and its memory are released by now, so the report's renderers do not add to training's peak.
  let report: ReportPaths | null = null;
  if (reportInput) {
    const r = await writeReport(reportInput, o.reportDir);
    printReport(out, r);
    report = r.files;
  }
  out.result({ ...result, seconds: (performance.now() - started) / 1000, report });
}

/** Trains, evaluates, writes the submission and the model; returns the JSON result and what a report needs. */
async function trainAndSave(
  o: TrainOptions,
  out: Output,
): Promise<{ result: Record<string, unknown>; reportInput: ReportInput | null }> {
  if (o.resume && !o.checkpointDir) throw new UsageError('--resume needs --checkpoint-dir');
  let loaded: Dataset | null = loadDataset(o.data);
  const { source, test } = loaded;
  // The training images are held only by `images`, dropped once fit() has copied them into the engine.
  let images: ImageSet | null = loaded.train;
  // eslint-disable-next-line no-useless-assignment -- drops the last other reference for the garbage collector
  loaded = null;
  if (!images?.labels) throw new DigitsError(`${source}: no labelled training data`, 'E_NO_LABELS');
  const classes = classCount([images, test]);
  const kernels = await createKernels({ threads: o.threads });
  try {
    const run = o.resume
      ? await resumeRun(o.checkpointDir!, source, images, kernels, o.epochsGiven ? o.epochs : undefined)
      : await startRun(recipeFromValues(o, o.model, source), images, classes, kernels, o.checkpointDir);
    const { model, recipe, plan } = run;
    if (run.resume)
      out.info(
        `Resuming from ${checkpointPath(o.checkpointDir!)} at epoch ${run.resume.epoch + 1}, step ${run.resume.step}`,
      );
    out.info(model.summary());
    const split = recipe.validation_split ?? undefined;
    const validationData = split ? null : test?.labels ? test : null;
    out.info(
      `Training on ${source}: ${images.count} images` +
        (split
          ? `, validating on the last ${Math.round(split * 100)} % (${Math.round(split * images.count)} images)`
          : validationData
            ? `, validating on the ${validationData.count} test images`
            : '') +
        ` (seed ${recipe.seed}, ${kernels.name}, ${kernels.threads} thread${kernels.threads > 1 ? 's' : ''})`,
    );
    const selects = [
      recipe.keep_best && '--keep-best',
      recipe.early_stopping && '--early-stopping',
      recipe.reduce_on_plateau && '--reduce-on-plateau',
    ].filter(Boolean);
    if (selects.length > 0 && split)
      out.info(
        `${selects.join(', ')} decide${selects.length === 1 ? 's' : ''} on this held-out part; the test set stays unseen until the end`,
      );
    else if (validationData) out.info('(the test set is only shown per epoch: nothing is chosen by it)');
    const history = await fitRun(
      run,
      images,
      {
        epochs: recipe.epochs,
        batchSize: recipe.batch_size,
        validationSplit: split,
        validationData,
        progress: consoleProgress(out.progressStream),
      },
      o.checkpointDir,
    );
    images = null;
    if (plan.early?.stoppedEpoch)
      out.info(`Early stopping: val_loss did not improve for ${recipe.early_stopping!.patience} epochs`);
    if (plan.best?.snapshot)
      out.info(
        `Keeping the best epoch: ${plan.best.best.epoch} (val_accuracy ${(plan.best.best.value * 100).toFixed(2)} %)`,
      );
    const testEval = test?.labels ? evaluate(model, test) : null;
    const predictions = test ? predict(model, test) : null;
    if (test && predictions) {
      writeSubmission(o.submission, predictions.labels);
      out.info(`Wrote ${test.count} predictions to ${o.submission}`);
    }
    const metadata = {
      scale: DEFAULT_SCALE,
      history,
      recipe: { ...recipe, backend: kernels.name, threads: kernels.threads },
      evaluation: testEval ?? undefined,
      digitsVersion: VERSION,
      createdAt: new Date().toISOString(),
    };
    await saveModelFile(model, o.out, metadata);
    out.info(`Saved model to ${o.out}`);
    if (testEval)
      out.info(`Test loss: ${testEval.loss.toFixed(4)} - Test accuracy: ${(testEval.accuracy * 100).toFixed(2)} %`);
    return {
      result: {
        model: recipe.model,
        epochs: history.epochs,
        test_loss: testEval?.loss ?? null,
        test_accuracy: testEval?.accuracy ?? null,
        out: o.out,
        submission: predictions ? o.submission : null,
        seed: recipe.seed,
      },
      reportInput:
        o.report && test?.labels && predictions && testEval
          ? modelReportInput(model, metadata, test, predictions, testEval.loss, {
              seed: recipe.seed,
              modelFile: o.out,
              dataSource: source,
            })
          : null,
    };
  } finally {
    await kernels.dispose();
  }
}
