export { classCount, type Dataset, type ImageSet } from './dataset.js';
export { parseIdx, readIdxFile, type IdxArray } from './idx.js';
export { idxImageSet, loadIdxDirectory } from './idx-dataset.js';
export { parseKaggleCsv, readKaggleCsv } from './kaggle-csv.js';
export { loadMnist, mnistDataDir } from './mnist.js';
export { parseNpy, type NpyArray } from './npy.js';
export { loadMnistNpz, parseMnistNpz } from './npz.js';
export { loadDataset, loadEvaluationSet } from './source.js';
