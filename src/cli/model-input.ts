import { type Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { ModelMetadata } from '../io/keras-h5.js';
import { DEFAULT_SCALE } from '../train/evaluate.js';
import { DEFAULT_MODEL_FILE, loadModel, type DigitModel } from '../vision/model.js';
import { positiveNumber } from './options.js';

/** Options of the commands that run a model file on images (evaluate, predict, report, ensemble). */
export interface ModelInputOptions {
  /** Pixels are divided by this. */
  scale?: number;
  /** Then (x − mean) / std. */
  normalize?: [number, number];
  /** Keras model JSON for a weights-only file. */
  arch?: string;
}

function meanStd(value: string): [number, number] {
  const parts = value.split(',').map((v) => Number(v.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[1] > 0))
    throw new InvalidArgumentError('expected mean,std with std > 0, e.g. 0.1307,0.3081');
  return [parts[0], parts[1]];
}

/** Adds --scale, --normalize and --arch. */
export function addModelInputOptions(command: Command): Command {
  return command
    .option(
      '--scale <divisor>',
      'divide pixels by this (default: what the model file records, else 255)',
      positiveNumber,
    )
    .option('--normalize <mean,std>', 'after scaling, (x − mean) / std, e.g. 0.5,1 for inputs in [−0.5, 0.5]', meanStd)
    .option('--arch <model.json>', "architecture for a weights-only .h5 (Keras's model.to_json())");
}

/** x · scale + shift from --scale / --normalize, or {} when neither is given (the model file's own then). */
export function explicitScaling(o: ModelInputOptions): { scale?: number; shift?: number } {
  if (o.scale === undefined && o.normalize === undefined) return {};
  const [mean, std] = o.normalize ?? [0, 1];
  return { scale: 1 / ((o.scale ?? 255) * std), shift: -mean / std };
}

/** x · scale + shift for the model: the flags when given, else the model file's own, else x / 255. */
export function inputScaling(o: ModelInputOptions, metadata: ModelMetadata | null): { scale: number; shift: number } {
  const { scale, shift } = explicitScaling(o);
  return { scale: scale ?? metadata?.scale ?? DEFAULT_SCALE, shift: shift ?? metadata?.shift ?? 0 };
}

/** Adds --verifier FILE, --no-verifier, --judge FILE and --no-judge (commands that read digits in pictures). */
export function addVerifierOptions(command: Command): Command {
  return command
    .option('--verifier <file>', 'verifier that judges what is one whole digit (default: the shipped one)')
    .option(
      '--no-verifier',
      'no verifier: detect reads lines by rules; only the judge (if any) tells what is not a digit',
    )
    .option('--judge <file>', 'digit judge that tells digits from letters and marks (default: the shipped one)')
    .option('--no-judge', 'no digit judge: only the verifier tells what is not a digit');
}

/**
 * The model for recognize/detect: --model, or the shipped default; scaled as the flags or the file say; with the
 * segmentation verifier of --verifier / --no-verifier and the digit judge of --judge / --no-judge when
 * `withVerifier` (else neither).
 */
export function loadImageModel(
  o: ModelInputOptions & { model?: string; threads?: number; verifier?: string | boolean; judge?: string | boolean },
  withVerifier = false,
): Promise<DigitModel> {
  return loadModel(o.model ?? DEFAULT_MODEL_FILE, {
    threads: o.threads,
    architecture: readArchitecture(o.arch),
    ...explicitScaling(o),
    verifier: helperFile(withVerifier, o.verifier),
    judge: helperFile(withVerifier, o.judge),
  });
}

/** A helper network's file from its flag: false for none, undefined for the shipped one. */
function helperFile(wanted: boolean, flag: string | boolean | undefined): string | false | undefined {
  return !wanted || flag === false ? false : typeof flag === 'string' ? flag : undefined;
}

/** The --arch file's JSON text (checked to be JSON here, so the error names this file). */
export function readArchitecture(file: string | undefined): string | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read the architecture file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  try {
    JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: the architecture is not valid JSON (${(e as Error).message})`);
  }
  return text;
}
