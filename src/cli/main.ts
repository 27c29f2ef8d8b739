import { Command, CommanderError } from 'commander';
import { DigitsError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerBenchDetect } from './bench-detect.js';
import { registerBenchReal } from './bench-real.js';
import { registerBenchReject } from './bench-reject.js';
import { registerBenchStyles } from './bench-styles.js';
import { registerDetect } from './detect.js';
import { registerEnsemble } from './ensemble.js';
import { registerEvaluate } from './evaluate.js';
import { registerExport } from './export.js';
import { registerExperiment } from './experiment.js';
import { registerPredict } from './predict.js';
import { registerRecognize } from './recognize.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';
import { registerSummary } from './summary.js';
import { registerTrain } from './train.js';

/** One or two runs of each command, printed at the end of its `--help`. */
const EXAMPLES: Record<string, string[]> = {
  train: [
    'digits train                                   # the seed MLP, 10 epochs on MNIST',
    'digits train --model cnn --augment standard --data train.csv --submission results/submission.csv',
  ],
  evaluate: ['digits evaluate --model model/trained_model.h5', 'digits evaluate --model m.h5 --data train.csv --json'],
  predict: ['digits predict --model model/trained_model.h5 --input test.csv --out results/submission.csv'],
  summary: ['digits summary --model model/trained_model.h5', 'digits summary --model keras_model.h5 --json'],
  report: ['digits report --model model/trained_model.h5 --out report'],
  experiment: [
    'digits experiment --optimizers adam,sgd --lrs 0.001,0.01 --epochs 5',
    'digits experiment --model cnn --optimizers adamw --lrs 0.0005,0.001,0.002 --validation-split 0.1',
  ],
  ensemble: ['digits ensemble --models a.h5,b.h5,c.h5 --average --submission results/submission.csv'],
  export: ['digits export --model model/trained_model.h5 --onnx model.onnx --keras model.keras'],
  recognize: ['digits recognize digit.png', 'digits recognize scans/*.png --json      # is_digit, reason per file'],
  detect: ['digits detect meter.jpg', 'digits detect forms/*.jpg --annotate boxes/ --json'],
  'bench-detect': ['digits bench-detect', 'digits bench-detect --count 1000 --length 3,8 --seed 2 --json'],
  'bench-real': ['digits bench-real', 'digits bench-real --kinds table,shadow --count 50 --no-big --json'],
  'bench-styles': ['digits bench-styles', 'digits bench-styles --count 500 --seed 2 --json'],
  'bench-reject': ['digits bench-reject', 'digits bench-reject --usps ../shared/datasets/usps --marks 50 --json'],
  serve: [
    'digits serve                                   # http://127.0.0.1:8080',
    'digits serve --port 3000 --host 0.0.0.0',
  ],
};

/** Runs the `digits` CLI. Failures print one `error: …` line on stderr and exit non-zero. */
export async function main(argv: string[]): Promise<void> {
  // A reader that went away (`digits summary | head -2`) is not a failure: stop quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = new Command();
  program
    .name('digits')
    .description('Train, evaluate and deploy handwritten-digit recognizers')
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s.startsWith('error:') ? s : `error: ${s}`) });
  registerTrain(program);
  registerEvaluate(program);
  registerPredict(program);
  registerSummary(program);
  registerReport(program);
  registerExperiment(program);
  registerEnsemble(program);
  registerExport(program);
  registerRecognize(program);
  registerDetect(program);
  registerBenchDetect(program);
  registerBenchReal(program);
  registerBenchReject(program);
  registerBenchStyles(program);
  registerServe(program);
  for (const command of program.commands) {
    const examples = EXAMPLES[command.name()];
    if (examples) command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`);
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its message (or help/version, which exit 0).
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`error: ${errorLine(e)}\n`);
    if (process.env.DIGITS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = e instanceof DigitsError && e.code === 'E_INTERRUPTED' ? 130 : 1;
  }
}

/** An error as the one line after "error: ": our own messages as they are, the system's with its cause. */
function errorLine(e: unknown): string {
  let message: string;
  if (e instanceof DigitsError) message = e.message;
  else if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string')
    message = e.message; // a system error ("listen EADDRINUSE: address already in use …") says what failed
  else if (e instanceof Error) message = `${e.name}: ${e.message}`;
  else message = String(e);
  return message.split('\n').find((line) => line.trim() !== '') ?? 'unknown failure';
}
