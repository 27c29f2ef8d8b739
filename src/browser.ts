/**
 * digits in a browser (`import … from 'digits/browser'`): the same engine, models, training and recognition as in
 * Node, without the file system, sharp or the native GEMM. The kernels run on WebAssembly SIMD: on every core in a
 * Web Worker of a cross-origin-isolated page (their threads are Web Workers sharing its memory), else on one. Models
 * load from .h5 bytes, a Blob or a URL (h5wasm's web build); images are ImageData, a canvas, a Blob, encoded bytes
 * or a URL, decoded by the browser.
 *
 *   const model = await loadModel();                        // the shipped model (bundlers copy models/default.h5)
 *   const r = await recognize(model, canvas);               // { label, confidence, probabilities, … }
 *   const d = await detect(model, await file.arrayBuffer()); // { text, digits: [{ label, confidence, box }] }
 *
 * The kernel files (dist/kernels/kernels-*.wasm) must be served next to the bundled module that loads them.
 */
export { DataFormatError, DigitsError, ModelFormatError, UsageError } from './errors.js';
export { createKernels, type Kernels } from './kernels/index.js';
export { ActivationLayer } from './nn/layers/activation.js';
export { BatchNormalization } from './nn/layers/batch-norm.js';
export { Conv2D } from './nn/layers/conv2d.js';
export { Dense } from './nn/layers/dense.js';
export { Dropout } from './nn/layers/dropout.js';
export { Flatten } from './nn/layers/flatten.js';
export { GlobalAveragePooling2D } from './nn/layers/global-average-pooling.js';
export { AveragePooling2D, MaxPooling2D } from './nn/layers/pooling.js';
export { Reshape } from './nn/layers/reshape.js';
export * from './nn/optimizers/index.js';
export { preset, PRESET_NAMES, type PresetName } from './nn/presets.js';
export { Sequential } from './nn/sequential.js';
export { sequentialConfig } from './io/keras-config.js';
export { DEFAULT_SCALE, evaluate, predict } from './train/evaluate.js';
export { fit, TrainingInterrupted, type FitOptions } from './train/fit.js';
export { classMetrics, confusionMatrix, misreadings, type ClassMetrics, type Misreading } from './report/metrics.js';
export type { ProgressReporter } from './train/progress-reporter.js';
export type { ImageSet } from './data/dataset.js';
export { digitString } from './data/digit-strings.js';
export type { DigitModel } from './vision/digit-model.js';
export { DEFAULT_MODEL_URL, loadModel, type BrowserLoadOptions } from './vision/model-browser.js';
export { MIN_JUDGEMENT } from './vision/judge.js';
export {
  decodeImage,
  ImageFormatError,
  type DecodedImage,
  type DecodeOptions,
  type ImageInput,
} from './vision/image-input.js';
export { NoInkError, preprocess, type Preprocessed, type RawImage } from './vision/preprocess.js';
export {
  classifyPreprocessed,
  MIN_DIGITNESS,
  recognize,
  recognizeAll,
  type NotADigit,
  type Recognition,
} from './vision/recognize.js';
export { detect, type Detection, type DetectedDigit } from './vision/detect.js';
export { MIN_JUDGED_DIGITNESS } from './vision/verifier.js';
