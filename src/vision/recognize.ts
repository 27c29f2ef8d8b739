/**
 * One handwritten digit per image: decode, preprocess the MNIST way (preprocess.ts), classify, and say whether
 * the image holds one digit at all. Two networks decide that: the digit judge (judge.ts), from the 28×28 view the
 * classifier reads, and the segmentation verifier (verifier.ts), from the whole of the picture's ink as segment()
 * finds it (its proportions, which the 28×28 view scales away: a bracket is not a 1). Letters, symbols, scribbles,
 * smudges and several digits are not one digit. Without a judge the verifier decides alone, at a stricter bar; with
 * neither (a bare network, or loadModel(…, { verifier: false, judge: false })) every inked image counts as a digit.
 */
import type { Sequential } from '../nn/sequential.js';
import { classifyPreprocessed, type Classification, type ClassifyOptions } from './classify.js';
import { readSegmentation } from './detect.js';
import type { DigitModel } from './digit-model.js';
import { decodeImage, type ImageInput } from './image-input.js';
import { judgeDigitness, MIN_JUDGEMENT } from './judge.js';
import { NoInkError, preprocess, type Preprocessed, type RawImage } from './preprocess.js';
import { segment } from './segment.js';
import { MIN_JUDGED_DIGITNESS, pictureInput, verifierDigitness } from './verifier.js';

export { classifyPreprocessed } from './classify.js';

/** Why an image is not read as a digit. */
export type NotADigit = 'blank' | 'not a digit' | 'several digits: use detect';

export interface Recognition extends Classification {
  /** Whether the image holds one digit; `label` and `probabilities` are given either way. */
  isDigit: boolean;
  /** When `isDigit` is false, why. */
  reason?: NotADigit;
  /** The verifier's probability that the picture's ink is one whole digit (absent without a verifier). */
  digitness?: number;
  /** The digit judge's probability that the 28×28 view shows one digit (absent without a judge). */
  judgement?: number;
}

export type RecognizeOptions = ClassifyOptions & {
  /**
   * Below this verifier probability the image is not a digit. Default: MIN_JUDGED_DIGITNESS beside a digit judge,
   * MIN_DIGITNESS without one; 0 leaves the judge alone to decide.
   */
  minDigitness?: number;
  /** Below this digit-judge probability the image is not a digit (default MIN_JUDGEMENT). */
  minJudgement?: number;
};

/**
 * Longer side (px) to which recognize() shrinks a large image on load: one digit needs far fewer pixels than a page
 * of them (a digit a tenth of the picture is still 100 px tall), and preprocessing a 5000×5000 PNG then takes
 * a fifth of the time it would at detect()'s 1600.
 */
export const RECOGNIZE_SIDE = 1024;

/**
 * Default of `minDigitness` for a model without a digit judge: where the verifier alone wrongly rejects 0.42 % of
 * MNIST test and 0.71 % of USPS, and rejects 85 % of held-out letters (docs/vision.md: Not a digit).
 */
export const MIN_DIGITNESS = 0.2;

/** Recognises the digit in each image, classifying them together in one batch. */
export async function recognizeAll(
  model: DigitModel | Sequential,
  images: ImageInput[],
  options: RecognizeOptions = {},
): Promise<Recognition[]> {
  const decoded: RawImage[] = [];
  const prepared: Preprocessed[] = [];
  const blank: boolean[] = [];
  for (const [i, image] of images.entries()) {
    const raw = await decodeImage(image, `image ${i + 1}`, { maxSide: RECOGNIZE_SIDE });
    decoded.push(raw);
    try {
      prepared.push(preprocess(raw, options));
      blank.push(false);
    } catch (e) {
      if (!(e instanceof NoInkError)) throw e;
      // Nothing written: still classified (an empty field), so that label and probabilities are always there.
      const size = options.size ?? 28;
      prepared.push({
        pixels: new Uint8Array(size * size),
        box: { x: 0, y: 0, width: 0, height: 0 },
        inverted: false,
        threshold: 0,
      });
      blank.push(true);
    }
  }
  const classified = classifyPreprocessed(model, prepared, options);
  const judge = 'network' in model ? model.judge : undefined;
  const verifier = 'network' in model ? model.verifier : undefined;
  const minDigitness = options.minDigitness ?? (judge ? MIN_JUDGED_DIGITNESS : MIN_DIGITNESS);
  const inputs = prepared.map((p, i) => (blank[i] ? null : p));
  const digitness = verifier
    ? verifierDigitness(
        verifier,
        inputs.map((p, i) => p && pictureInput(decoded[i], p.inverted)),
      )
    : null;
  // The judge reads 28×28 views, as it was trained on.
  const judgement = judge
    ? judgeDigitness(
        judge,
        inputs.map((p) => (p?.pixels.length === 784 ? p.pixels : null)),
      )
    : null;
  const minJudgement = options.minJudgement ?? MIN_JUDGEMENT;
  return classified.map((c, i): Recognition => {
    if (blank[i]) return { ...c, isDigit: false, reason: 'blank' };
    const scores = {
      ...(digitness ? { digitness: digitness[i] } : {}),
      ...(judgement && prepared[i].pixels.length === 784 ? { judgement: judgement[i] } : {}),
    };
    const rejected =
      (scores.digitness !== undefined && scores.digitness < minDigitness) ||
      (scores.judgement !== undefined && scores.judgement < minJudgement);
    if (!rejected) return { ...c, isDigit: true, ...scores };
    // Not one digit: several, if detect() reads more than one in the picture.
    const several = readSegmentation(segment(decoded[i], options.invert), model, options).digits.length >= 2;
    return { ...c, isDigit: false, reason: several ? 'several digits: use detect' : 'not a digit', ...scores };
  });
}

/**
 * Recognises the digit in one image: a file path or PNG/JPEG/WebP/… bytes in Node, or pixels (ImageData, a
 * canvas's ImageData, {data, width, height, channels}) anywhere. `model` is what `loadModel()` gives, or a bare
 * network (then pixels are scaled by 1/255 unless options say otherwise). The result says whether the image
 * holds one digit (`isDigit`, and `reason` when not).
 */
export async function recognize(
  model: DigitModel | Sequential,
  image: ImageInput,
  options: RecognizeOptions = {},
): Promise<Recognition> {
  return (await recognizeAll(model, [image], options))[0];
}
