/**
 * One handwritten digit per image: decode, preprocess the MNIST way (preprocess.ts), classify, and say whether
 * the image holds one digit at all. That judgement is the segmentation verifier's (verifier.ts), asked about the
 * whole of the image's ink as segment() finds it: letters, symbols, scribbles, smudges and several digits are
 * "not one whole digit". With no verifier (a bare network, or loadModel(…, { verifier: false })) every inked
 * image counts as a digit.
 */
import type { Sequential } from '../nn/sequential.js';
import { classifyPreprocessed, type Classification, type ClassifyOptions } from './classify.js';
import { readSegmentation } from './detect.js';
import type { DigitModel } from './digit-model.js';
import { decodeImage, type ImageInput } from './image-input.js';
import { NoInkError, preprocess, type Preprocessed, type RawImage } from './preprocess.js';
import { segment } from './segment.js';
import { wholeViewInput, verifierDigitness } from './verifier.js';

export { classifyPreprocessed } from './classify.js';

/** Why an image is not read as a digit. */
export type NotADigit = 'blank' | 'not a digit' | 'several digits: use detect';

export interface Recognition extends Classification {
  /** Whether the image holds one digit; `label` and `probabilities` are given either way. */
  isDigit: boolean;
  /** When `isDigit` is false, why. */
  reason?: NotADigit;
  /** The verifier's probability that the ink is one whole digit (absent without a verifier). */
  digitness?: number;
}

export type RecognizeOptions = ClassifyOptions & {
  /** Below this verifier probability the image is not a digit (default MIN_DIGITNESS, 0.2). */
  minDigitness?: number;
};

/**
 * Longer side (px) to which recognize() shrinks a large image on load: one digit needs far fewer pixels than a page
 * of them (a digit a tenth of the picture is still 100 px tall), and preprocessing a 5000×5000 PNG then takes
 * a fifth of the time it would at detect()'s 1600.
 */
export const RECOGNIZE_SIDE = 1024;

/** Default of `minDigitness`: where 0.55 % of MNIST test and 1.44 % of USPS are wrongly rejected (README: Not a digit). */
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
  const verifier = 'network' in model ? model.verifier : undefined;
  const digitness = verifier
    ? verifierDigitness(
        verifier,
        prepared.map((p, i) => (blank[i] ? null : wholeViewInput(p))),
      )
    : null;
  const minDigitness = options.minDigitness ?? MIN_DIGITNESS;
  return classified.map((c, i): Recognition => {
    if (blank[i]) return { ...c, isDigit: false, reason: 'blank' };
    if (!digitness) return { ...c, isDigit: true };
    const p = digitness[i];
    if (p >= minDigitness) return { ...c, isDigit: true, digitness: p };
    // Not one whole digit: several, if detect() reads more than one in the picture.
    const several = readSegmentation(segment(decoded[i], options.invert), model, options).digits.length >= 2;
    return { ...c, isDigit: false, reason: several ? 'several digits: use detect' : 'not a digit', digitness: p };
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
