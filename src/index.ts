/**
 * digits: train, evaluate and deploy handwritten-digit recognizers in TypeScript.
 *
 * Reading digits with the shipped model:
 *   const model = await loadModel();                  // or loadModel('my.h5') / loadModel(bytes)
 *   const r = await recognize(model, 'seven.jpg');    // { label, confidence, probabilities, … }
 *   const d = await detect(model, 'meter.png');       // { text, digits: [{ label, confidence, box }] }
 *
 * Training:
 *   const kernels = await createKernels();
 *   const data = loadDataset();                       // embedded MNIST
 *   const model = preset('mlp').build(kernels, 42).compile({ optimizer: new Adam() });
 *   await fit(model, data.train!, { epochs: 10, batchSize: 128, validationData: data.test });
 *   evaluate(model, data.test!);                      // { loss, accuracy, count }
 *   await saveModelFile(model, 'model/trained_model.h5');
 */
export { DataFormatError, DigitsError, ModelFormatError, UsageError } from './errors.js';
export * from './data/index.js';
export { createKernels, type Backend, type KernelOptions, type Kernels } from './kernels/index.js';
export {
  affineWarp,
  strokeWidth,
  AUGMENT_PRESET_NAMES,
  AUGMENT_PRESETS,
  makeAugmenter,
  type AugmentOptions,
  type AugmentPreset,
} from './data/augment.js';
export type { Layer, Param } from './nn/layer.js';
export { ActivationLayer, type ActivationName } from './nn/layers/activation.js';
export { Dense, type DenseActivation, type DenseOptions } from './nn/layers/dense.js';
export { Dropout } from './nn/layers/dropout.js';
export { Flatten } from './nn/layers/flatten.js';
export { Conv2D, type Conv2DOptions, type Padding } from './nn/layers/conv2d.js';
export { AveragePooling2D, MaxPooling2D } from './nn/layers/pooling.js';
export { BatchNormalization, type BatchNormalizationOptions } from './nn/layers/batch-norm.js';
export { Reshape } from './nn/layers/reshape.js';
export { GlobalAveragePooling2D } from './nn/layers/global-average-pooling.js';
export { KERNEL_INITIALIZERS, type KernelInitializer } from './nn/init.js';
export { LOSS_NAMES, type LossName } from './nn/losses.js';
export * from './nn/optimizers/index.js';
export { preset, PRESET_NAMES, type PresetName } from './nn/presets.js';
export { Rng } from './nn/rng.js';
export { Sequential, type SequentialOptions } from './nn/sequential.js';
export type { Shape } from './nn/tensor.js';
export {
  loadKerasH5,
  saveKerasH5,
  type LoadedModel,
  type LoadOptions,
  type ModelMetadata,
  type SaveOptions,
} from './io/keras-h5.js';
export { loadModelFile, saveModelFile } from './io/model-file.js';
export { submissionCsv, writeSubmission } from './io/submission.js';
export { DEFAULT_SCALE, evaluate, predict, type Evaluation, type Predictions } from './train/evaluate.js';
export { DivergenceError, fit, TrainingInterrupted, type FitOptions, type TrainingState } from './train/fit.js';
export { reestimateBatchNorm, type ReestimateOptions } from './train/batch-norm-statistics.js';
export {
  checkpointPath,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointData,
  type LoadedCheckpoint,
} from './io/checkpoint.js';
export { historyByMetric, type EpochLogs, type History } from './train/history.js';
export { learningRateAt, SCHEDULE_NAMES, type Schedule, type ScheduleName } from './train/schedules.js';
export {
  earlyStopping,
  keepBest,
  reduceOnPlateau,
  restoreWeights,
  snapshotWeights,
  type EpochCallback,
  type Monitor,
} from './train/callbacks.js';
export { trainingPlan, type Recipe, type TrainingPlan } from './train/recipe.js';
export {
  runExperiment,
  type ExperimentOptions,
  type ExperimentResult,
  type ExperimentRun,
} from './train/experiment.js';
export {
  accuracyOf,
  combinePredictions,
  memberAgreement,
  type EnsembleMode,
  type MemberAgreement,
} from './train/ensemble.js';
export { experimentCsv, experimentMarkdown, experimentSettingsLine, writeExperiment } from './report/experiment.js';
export type { ExperimentRow, ExperimentSettings } from './report/experiment.js';
export { consoleProgress, silentProgress, type ProgressReporter } from './train/progress.js';
export {
  buildReport,
  REPORT_FILES,
  writeReport,
  type Report,
  type ReportFileName,
  type ReportInput,
  type ReportMetrics,
  type ReportPaths,
} from './report/report.js';
export {
  argmaxRows,
  calibration,
  classMetrics,
  confusionMatrix,
  macroAverage,
  mostConfusedPairs,
  type Calibration,
  type CalibrationBin,
  type ClassMetrics,
  type ClassProbabilities,
  type ConfusedPair,
} from './report/metrics.js';
export { sampleGrid, type Grid, type GridOptions, type GridSample, type GridTile } from './report/grid.js';
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
} from './vision/preprocess.js';
export { DEFAULT_MODEL_FILE, loadModel, type DigitModel, type LoadModelOptions } from './vision/model.js';
export {
  decodeImage,
  ImageFormatError,
  type DecodedImage,
  type DecodeOptions,
  type ImageDataLike,
  type ImageInput,
} from './vision/image-input.js';
export {
  classifyPreprocessed,
  MIN_DIGITNESS,
  recognize,
  recognizeAll,
  type NotADigit,
  type Recognition,
  type RecognizeOptions,
} from './vision/recognize.js';
export type { Classification, ClassifyOptions } from './vision/classify.js';
export { readSegmentation } from './vision/detect.js';
export { onnxBytes, toOnnx, ONNX_OPSET, type OnnxExportOptions, type OnnxModel } from './io/onnx.js';
export { loadKerasArchive, saveKerasArchive } from './io/keras-archive.js';
export { detect, type Box, type DetectedDigit, type Detection, type DetectOptions } from './vision/detect.js';
export { segment, type Segmentation, type Candidate, type Atom } from './vision/segment.js';
export { verifierExamples, type VerifierExamples } from './vision/verifier-data.js';
export { candidateDigitness, wholeViewInput, verifierDigitness } from './vision/verifier.js';
export { annotate } from './vision/annotate.js';
export { connectedComponents, type Component } from './vision/components.js';
export { digitString, type DigitString, type DigitStringOptions } from './data/digit-strings.js';
export {
  homography,
  penDigit,
  scene,
  SCENE_KINDS,
  thin,
  type Scene,
  type SceneKind,
  type SceneOptions,
} from './data/scenes.js';
export {
  DIGIT_STYLES,
  drawnString,
  STROKE_KINDS,
  type DrawnString,
  type DrawnStringOptions,
  type StrokeKind,
} from './data/drawn-digits.js';
export {
  drawnMark,
  MARK_KINDS,
  NON_DIGIT_CHARS,
  NON_DIGIT_FONTS,
  nonDigitFonts,
  type MarkKind,
} from './data/non-digits.js';
export {
  installedFonts,
  printedDigits,
  printedTexts,
  type PrintedDigit,
  type PrintedFont,
  type PrintedText,
} from './data/printed-digits.js';
