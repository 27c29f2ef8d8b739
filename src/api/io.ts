/** Model files (Keras .h5 and .keras, ONNX export), checkpoints and Kaggle submissions. */
export {
  loadKerasH5,
  saveKerasH5,
  type LoadedModel,
  type LoadOptions,
  type ModelMetadata,
  type SaveOptions,
} from '../io/keras-h5.js';
export { loadKerasArchive, saveKerasArchive } from '../io/keras-archive.js';
export { sequentialConfig, sequentialFromConfig } from '../io/keras-config.js';
export { loadModelFile, saveModelFile } from '../io/model-file.js';
export { onnxBytes, toOnnx, ONNX_OPSET, type OnnxExportOptions, type OnnxModel } from '../io/onnx.js';
export { submissionCsv, writeSubmission } from '../io/submission.js';
export {
  checkpointPath,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointData,
  type LoadedCheckpoint,
} from '../io/checkpoint.js';
