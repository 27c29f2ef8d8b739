// The seed project's workflow in a few calls: the MLP on MNIST, evaluated, saved as Keras HDF5, with a
// Kaggle submission; then a model of your own from the layers and optimizers groups.
// Usage: node examples/train-mlp.mjs [epochs=10] [out=model/trained_model.h5]
import {
  createKernels,
  evaluate,
  fit,
  io,
  layers,
  loadDataset,
  optimizers,
  predict,
  preset,
  saveModelFile,
} from 'digits';

const epochs = Number(process.argv[2] ?? 10);
const out = process.argv[3] ?? 'model/trained_model.h5';
const kernels = await createKernels();
const { train, test } = loadDataset(); // the embedded MNIST: 60,000 + 10,000 images

const model = preset('mlp').build(kernels, 1).compile({ optimizer: new optimizers.Adam() });
await fit(model, train, { epochs, batchSize: 128, validationData: test });
const { accuracy } = evaluate(model, test);
console.log(`seed MLP: test accuracy ${(accuracy * 100).toFixed(2)} %`);
await saveModelFile(model, out);
io.writeSubmission(out.replace(/\.h5$/, '-submission.csv'), predict(model, test).labels);

// Your own network: Keras's layers, He-normal weights, SGD with Nesterov momentum.
const own = new layers.Sequential(
  [
    new layers.Flatten(),
    new layers.Dense(256, { activation: 'relu', kernelInitializer: 'he_normal' }),
    new layers.Dense(10, { activation: 'softmax' }),
  ],
  { inputShape: [28, 28, 1] },
)
  .build(kernels, 1)
  .compile({ optimizer: new optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }) });
await fit(own, train, { epochs: 1, batchSize: 128 });
console.log(`own network, 1 epoch: test accuracy ${(evaluate(own, test).accuracy * 100).toFixed(2)} %`);
await kernels.dispose();
