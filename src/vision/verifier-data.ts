/**
 * Training examples for the segmentation verifier (see DigitModel.verifier): the candidates detect() weighs on a
 * synthetic string, each labelled by where its ink came from. A candidate is one whole digit (1) when nearly all
 * its ink is one digit's, it holds nearly all of that digit's ink and little of any other's; a piece, a pair or a
 * smudge (0) when clearly not; in between it is left out rather than taught either way.
 */
import {
  candidateKey,
  forEachCandidatePixel,
  contextView,
  cropOf,
  digitView,
  lineCandidates,
  verifierInput,
  type Candidate,
  type Segmentation,
} from './segment.js';

/**
 * Share of a candidate's ink from its main digit, share of that digit's ink it holds, and the largest share of
 * any other digit's ink it holds. The last catches a pair whose second digit has little ink (a thin 1 against
 * a 3): its share barely moves, but the candidate holds a whole second digit.
 */
const WHOLE = { share: 0.9, coverage: 0.85, other: 0.25 };
const NOT_WHOLE = { share: 0.75, coverage: 0.65, other: 0.5 };

export interface VerifierExamples {
  /** One 28×56 verifier input per example. */
  inputs: Uint8Array[];
  /** 1: one whole digit, 0: not. */
  labels: number[];
  /** The candidate each example shows. */
  candidates: Candidate[];
  /** Index in the string of the digit most of each example's ink came from (-1: none). */
  digits: number[];
  /** Each example's digit view alone (28×28). */
  digitViews: Uint8Array[];
}

/**
 * Labels every candidate of `s`, an image whose pixels' items are `owners` (from digitString's `owners`); the
 * owners in `nonDigits` are letters, symbols or marks, so a candidate made mostly of their ink is not a digit.
 */
export function verifierExamples(
  s: Segmentation,
  owners: Uint8Array,
  nonDigits: readonly number[] = [],
): VerifierExamples {
  // The owners are the image's pixels; a shrunk segmentation (a photo over WORKING_SIDE) would mislabel them.
  if (s.scale !== 1 || owners.length !== s.width * s.height)
    throw new Error(
      `verifier examples need an image segmented at its own size (${s.width}×${s.height}, scale ${s.scale})`,
    );
  // Each digit's ink in the thresholded image.
  const digitInk = new Float64Array(256);
  for (let i = 0; i < s.labels.length; i++) if (s.labels[i]) digitInk[owners[i]] += s.data[i] - s.threshold;
  const out: VerifierExamples = { inputs: [], labels: [], candidates: [], digits: [], digitViews: [] };
  const seen = new Set<string>();
  for (const c of lineCandidates(s)) {
    const key = candidateKey(c);
    if (seen.has(key)) continue;
    seen.add(key);
    const tally = new Map<number, number>();
    let total = 0;
    forEachCandidatePixel(s, c, (i) => {
      const v = s.data[i] - s.threshold;
      total += v;
      tally.set(owners[i], (tally.get(owners[i]) ?? 0) + v);
    });
    let main = 0;
    let mainInk = 0;
    for (const [owner, v] of tally) if (owner > 0 && v > mainInk) [main, mainInk] = [owner, v];
    const share = total > 0 ? mainInk / total : 0;
    const coverage = main > 0 ? mainInk / digitInk[main] : 0;
    let other = 0;
    for (const [owner, v] of tally) if (owner > 0 && owner !== main) other = Math.max(other, v / digitInk[owner]);
    let label: number;
    if (nonDigits.includes(main)) label = 0;
    else if (share >= WHOLE.share && coverage >= WHOLE.coverage && other < WHOLE.other) label = 1;
    else if (share < NOT_WHOLE.share || coverage < NOT_WHOLE.coverage || other >= NOT_WHOLE.other) label = 0;
    else continue;
    const crop = cropOf(s, c);
    const pre = digitView(s, c, {}, crop);
    if (!pre) continue;
    out.inputs.push(verifierInput(pre.pixels, contextView(s, c, crop)));
    out.labels.push(label);
    out.candidates.push(c);
    out.digits.push(main - 1);
    out.digitViews.push(pre.pixels);
  }
  return out;
}
