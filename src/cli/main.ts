import { Command, CommanderError } from 'commander';
import { DigitsError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerBenchDetect } from './bench-detect.js';
import { registerBenchReal } from './bench-real.js';
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

/** Runs the `digits` CLI. Failures print one `error: …` line on stderr and exit non-zero. */
export async function main(argv: string[]): Promise<void> {
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
  registerServe(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its message (or help/version, which exit 0).
      process.exitCode = e.exitCode;
      return;
    }
    const message = e instanceof DigitsError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    process.stderr.write(`error: ${message.split('\n')[0]}\n`);
    if (process.env.DIGITS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = e instanceof DigitsError && e.code === 'E_INTERRUPTED' ? 130 : 1;
  }
}
