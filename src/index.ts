/**
 * digits: train, evaluate and deploy handwritten-digit recognizers in TypeScript.
 *
 * Reading digits with the shipped model (the top level):
 *   const model = await loadModel();                  // or loadModel('my.h5') / loadModel(bytes)
 *   const r = await recognize(model, 'seven.jpg');    // { label, confidence, isDigit, probabilities, … }
 *   const d = await detect(model, 'meter.png');       // { text, digits: [{ label, confidence, box }] }
 *
 * Training (the top level, with the rest grouped as in TensorFlow.js):
 *   const kernels = await createKernels();
 *   const data = loadDataset();                       // embedded MNIST
 *   const model = preset('mlp').build(kernels, 42).compile({ optimizer: new Adam() });
 *   await fit(model, data.train!, { epochs: 10, batchSize: 128, validationData: data.test });
 *   evaluate(model, data.test!);                      // { loss, accuracy, count }
 *   await saveModelFile(model, 'model/trained_model.h5');
 *
 * Groups: `layers` (Dense, Conv2D, …, Sequential, presets), `optimizers`, `data` (readers, augmentation, the
 * generators), `io` (Keras files, ONNX, checkpoints), `training` (callbacks, schedules, recipes, experiments),
 * `vision` (preprocessing, segmentation, the verifier), `report` (metrics, grids, the HTML report), `kernels`.
 */
export { DataFormatError, DigitsError, ModelFormatError, UsageError } from './errors.js';

// Reading pictures.
export { loadModel, type DigitModel, type LoadModelOptions } from './vision/model.js';
export { recognize, recognizeAll, type Recognition, type RecognizeOptions } from './vision/recognize.js';
export { detect, type Detection, type DetectedDigit, type DetectOptions } from './vision/detect.js';
export { decodeImage, ImageFormatError, type ImageInput } from './vision/image-input.js';

// Training.
export { createKernels, type Backend, type KernelOptions, type Kernels } from './kernels/index.js';
export { loadDataset, loadMnist, type Dataset, type ImageSet } from './data/index.js';
export { preset, PRESET_NAMES, type PresetName } from './nn/presets.js';
export { Sequential } from './nn/sequential.js';
export { Adam } from './nn/optimizers/adam.js';
export { evaluate, predict, type Evaluation, type Predictions } from './train/evaluate.js';
export { fit, type FitOptions } from './train/fit.js';
export { loadModelFile, saveModelFile } from './io/model-file.js';

export * as layers from './api/layers.js';
export * as optimizers from './nn/optimizers/index.js';
export * as data from './api/data.js';
export * as io from './api/io.js';
export * as training from './api/training.js';
export * as vision from './api/vision.js';
export * as report from './api/report.js';
export * as kernels from './kernels/index.js';
