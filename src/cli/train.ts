import type { Command } from 'commander';
import { classCount, loadDataset, type ImageSet } from '../data/index.js';
import { DigitsError } from '../errors.js';
import { saveModelFile } from '../io/model-file.js';
import { writeSubmission } from '../io/submission.js';
import { createKernels } from '../kernels/index.js';
import { LOSS_NAMES, type LossName } from '../nn/losses.js';
import { makeOptimizer, OPTIMIZER_NAMES, type OptimizerName } from '../nn/optimizers/index.js';
import { preset, PRESET_NAMES, type PresetName } from '../nn/presets.js';
import { DEFAULT_SCALE, evaluate, predict } from '../train/evaluate.js';
import { fit } from '../train/fit.js';
import { consoleProgress } from '../train/progress.js';
import { VERSION } from '../version.js';
import { makeOutput } from './output.js';
import { fraction, nonNegativeInt, oneOf, positiveInt, positiveNumber } from './options.js';

interface TrainOptions {
  model: PresetName;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  loss: LossName;
  validationSplit?: number;
  seed: number;
  data?: string;
  out: string;
  submission: string;
  threads?: number;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'train a model (default: the seed MLP on the embedded MNIST), evaluate it, save it, write a submission',
    )
    .option('--model <preset>', `architecture: ${PRESET_NAMES.join(', ')}`, oneOf(PRESET_NAMES), 'mlp')
    .option('--epochs <n>', 'passes over the training data', nonNegativeInt, 10)
    .option('--batch-size <n>', 'images per step', positiveInt, 128)
    .option('--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')}`, oneOf(OPTIMIZER_NAMES), 'adam')
    .option('--lr <x>', 'learning rate (default: Keras default of the optimizer)', positiveNumber)
    .option('--momentum <x>', 'SGD momentum (default 0)', fraction)
    .option('--nesterov', 'SGD with Nesterov momentum')
    .option('--loss <name>', LOSS_NAMES.join(', '), oneOf(LOSS_NAMES), 'categorical_crossentropy')
    .option(
      '--validation-split <f>',
      'hold out this last fraction of the training data (default: validate on the test set)',
      fraction,
    )
    .option(
      '--seed <n>',
      'seed for weights, shuffling and dropout; runs repeat exactly (default 1, as pytorch/examples)',
      nonNegativeInt,
      1,
    )
    .option('--data <path>', 'dataset: IDX directory/file, mnist.npz, or Kaggle CSV (default: embedded MNIST)')
    .option('--out <file>', 'model file to write', 'model/trained_model.h5')
    .option('--submission <file>', 'Kaggle submission for the test set', 'results/submission.csv')
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print a JSON summary as the last line')
    .action(async (o: TrainOptions) => train(o));
}

async function train(o: TrainOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const started = performance.now();
  const { source, test, train: trainSet } = loadDataset(o.data);
  // Held only until fit() has copied it into the engine, so its memory can be reclaimed before saving.
  let train: ImageSet | null = trainSet;
  if (!train?.labels) throw new DigitsError(`${source}: no labelled training data`, 'E_NO_LABELS');
  const seed = o.seed;
  const classes = classCount([train, test]);
  const kernels = await createKernels({ threads: o.threads });
  try {
    const model = preset(o.model, classes, train.height * train.width).build(kernels, seed);
    const optimizer = makeOptimizer(o.optimizer, o.lr, o.momentum, o.nesterov);
    model.compile({ optimizer, loss: o.loss });
    out.info(model.summary());
    const validationData = o.validationSplit ? null : test?.labels ? test : null;
    out.info(
      `Training on ${source}: ${train.count} images` +
        (o.validationSplit
          ? `, validating on the last ${Math.round(o.validationSplit * 100)} %`
          : validationData
            ? `, validating on the ${validationData.count} test images`
            : '') +
        ` (seed ${seed}, ${kernels.name}, ${kernels.threads} thread${kernels.threads > 1 ? 's' : ''})`,
    );
    const history = fit(model, train, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      validationSplit: o.validationSplit,
      validationData,
      progress: consoleProgress(out.progressStream),
    });
    train = null;
    const testEval = test?.labels ? evaluate(model, test) : null;
    let submission: string | null = null;
    if (test) {
      writeSubmission(o.submission, predict(model, test).labels);
      submission = o.submission;
      out.info(`Wrote ${test.count} predictions to ${o.submission}`);
    }
    await saveModelFile(model, o.out, {
      scale: DEFAULT_SCALE,
      history,
      recipe: {
        model: o.model,
        epochs: o.epochs,
        batch_size: o.batchSize,
        optimizer: o.optimizer,
        learning_rate: optimizer.learningRate,
        loss: o.loss,
        validation_split: o.validationSplit ?? null,
        seed,
        data: source,
        backend: kernels.name,
        threads: kernels.threads,
      },
      evaluation: testEval ?? undefined,
      digitsVersion: VERSION,
      createdAt: new Date().toISOString(),
    });
    out.info(`Saved model to ${o.out}`);
    if (testEval)
      out.info(`Test loss: ${testEval.loss.toFixed(4)} - Test accuracy: ${(testEval.accuracy * 100).toFixed(2)} %`);
    out.result({
      model: o.model,
      epochs: history.epochs,
      test_loss: testEval?.loss ?? null,
      test_accuracy: testEval?.accuracy ?? null,
      seconds: (performance.now() - started) / 1000,
      out: o.out,
      submission,
      seed,
    });
  } finally {
    await kernels.dispose();
  }
}
