/** Reading real pictures: decoding, MNIST-style preprocessing, recognition, detection and the verifier. */
export {
  NoInkError,
  otsuThreshold,
  preprocess,
  resizeArea,
  toGray,
  type GrayImage,
  type Preprocessed,
  type PreprocessOptions,
  type RawImage,
} from '../vision/preprocess.js';
export { DEFAULT_MODEL_FILE, loadModel, type DigitModel, type LoadModelOptions } from '../vision/model.js';
export {
  decodeImage,
  ImageFormatError,
  type DecodedImage,
  type DecodeOptions,
  type ImageDataLike,
  type ImageInput,
} from '../vision/image-input.js';
export * from '../vision/recognize.js';
export type { Classification, ClassifyOptions } from '../vision/classify.js';
export {
  detect,
  readSegmentation,
  type Box,
  type DetectedDigit,
  type Detection,
  type DetectOptions,
} from '../vision/detect.js';
export { segment, type Segmentation, type Candidate, type Atom } from '../vision/segment.js';
export { verifierExamples, type VerifierExamples } from '../vision/verifier-data.js';
export { candidateDigitness, MIN_JUDGED_DIGITNESS, pictureInput, verifierDigitness } from '../vision/verifier.js';
export { judgeDigitness, MIN_JUDGEMENT } from '../vision/judge.js';
export { annotate } from '../vision/annotate.js';
export { connectedComponents, type Component } from '../vision/components.js';
