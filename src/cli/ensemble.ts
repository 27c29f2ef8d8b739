import type { Command } from 'commander';
import { loadDataset } from '../data/index.js';
import { DigitsError, UsageError } from '../errors.js';
import { loadModelFile } from '../io/model-file.js';
import { writeSubmission } from '../io/submission.js';
import { accuracyOf, combinePredictions, memberAgreement, type EnsembleMode } from '../train/ensemble.js';
import { predict, type Predictions } from '../train/evaluate.js';
import { addModelInputOptions, inputScaling, readArchitecture, type ModelInputOptions } from './model-input.js';
import { positiveInt } from './options.js';
import { makeOutput } from './output.js';

interface EnsembleCliOptions extends ModelInputOptions {
  models: string[];
  vote?: boolean;
  average?: boolean;
  data?: string;
  submission?: string;
  threads?: number;
  json?: boolean;
}

export function registerEnsemble(program: Command): void {
  const command = program
    .command('ensemble')
    .description('evaluate several models together (majority vote or averaged probabilities); write their submission')
    .requiredOption('--models <files>', 'comma-separated model files (.h5 or .keras)', (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option('--vote', "majority vote of the models' labels (the default; ties go to the higher mean probability)")
    .option('--average', "argmax of the models' mean probabilities")
    .option('--data <path>', 'images: IDX, mnist.npz, or Kaggle CSV (default: the MNIST test set)')
    .option('--submission <file>', "also write the ensemble's predictions as a Kaggle submission CSV")
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print the per-model and ensemble accuracies as JSON on the last line');
  addModelInputOptions(command).action(async (o: EnsembleCliOptions) => ensemble(o));
}

async function ensemble(o: EnsembleCliOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  if (o.vote && o.average) throw new UsageError('give --vote or --average, not both');
  if (o.models.length < 2) throw new UsageError('--models needs at least two model files');
  const mode: EnsembleMode = o.average ? 'average' : 'vote';
  const data = loadDataset(o.data);
  const set = data.test ?? data.train;
  if (!set) throw new DigitsError(`${data.source}: no images`, 'E_NO_DATA');
  const truth = set.labels;
  // One model at a time: each gets its own engine, released before the next is loaded.
  const members: Predictions[] = [];
  const perModel: { file: string; accuracy: number | null }[] = [];
  for (const file of o.models) {
    const { model, metadata } = await loadModelFile(file, {
      threads: o.threads,
      architecture: readArchitecture(o.arch),
    });
    try {
      const p = predict(model, set, inputScaling(o, metadata));
      if (members.length && p.classes !== members[0].classes)
        throw new DigitsError(`${file}: ${p.classes} classes, but ${o.models[0]} has ${members[0].classes}`, 'E_SHAPE');
      members.push(p);
      const accuracy = truth ? accuracyOf(p.labels, truth) : null;
      perModel.push({ file, accuracy });
      out.info(`${file}: ${accuracy === null ? 'predicted' : `accuracy ${(accuracy * 100).toFixed(2)} %`}`);
    } finally {
      await model.kernels.dispose();
    }
  }
  const vote = combinePredictions(members, 'vote');
  const average = combinePredictions(members, 'average');
  const chosen = mode === 'vote' ? vote : average;
  const voteAccuracy = truth ? accuracyOf(vote.labels, truth) : null;
  const averageAccuracy = truth ? accuracyOf(average.labels, truth) : null;
  // On labelled data: how the members' mistakes overlap, which bounds what combining them can gain.
  const agreement = truth ? memberAgreement(members, truth) : null;
  if (truth) {
    out.info(
      `Ensemble of ${members.length} on ${set.count} images: vote ${(voteAccuracy! * 100).toFixed(2)} %, ` +
        `average ${(averageAccuracy! * 100).toFixed(2)} % (${mode} chosen)`,
    );
  }
  if (agreement) {
    const n = members.length;
    const pairs = agreement.disagreement.flatMap((row, i) => row.slice(i + 1));
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
    out.info(
      `Missed by 1…${n} of the ${n} models: ${agreement.missedBy.slice(1).join(', ')} images; no combination ` +
        `fixes the ${agreement.missedBy[n]} every model misses, so a vote reaches at most ${pct(agreement.oracleAccuracy)}`,
    );
    out.info(
      `Models disagree on ${pct(pairs.reduce((a, b) => a + b, 0) / pairs.length)} of the images on average ` +
        `(pairs: ${pct(Math.min(...pairs))}–${pct(Math.max(...pairs))})`,
    );
  }
  if (o.submission) {
    writeSubmission(o.submission, chosen.labels);
    out.info(`Wrote ${set.count} predictions to ${o.submission}`);
  }
  out.result({
    mode,
    count: set.count,
    models: perModel,
    accuracy: mode === 'vote' ? voteAccuracy : averageAccuracy,
    vote_accuracy: voteAccuracy,
    average_accuracy: averageAccuracy,
    missed_by: agreement?.missedBy ?? null,
    oracle_accuracy: agreement?.oracleAccuracy ?? null,
    disagreement: agreement?.disagreement ?? null,
    submission: o.submission ?? null,
  });
}
