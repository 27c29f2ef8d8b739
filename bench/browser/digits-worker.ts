// Our engine in a Web Worker, as the web page trains: the seed MLP (784-512-512-10, dropout 0.2, Adam, batch 128)
// for two epochs over MNIST, each epoch timed (no validation, as for TensorFlow.js).
import { Adam, createKernels, fit, preset } from '../../dist/browser.js';
import { mnistTrain } from './mnist.js';

onmessage = async (e: MessageEvent<{ threads: number; count: number; epochs: number }>) => {
  try {
    const { threads, count, epochs } = e.data;
    const train = await mnistTrain(count);
    const kernels = await createKernels({ threads, native: false });
    const net = preset('mlp').build(kernels, 1).compile({ optimizer: new Adam() });
    const history = await fit(net, { ...train, height: 28, width: 28 }, { epochs, batchSize: 128 });
    postMessage({
      engine: `${kernels.name}, ${kernels.threads} thread${kernels.threads > 1 ? 's' : ''}`,
      seconds: history.epochs.map((h) => h.seconds),
      accuracy: history.epochs.at(-1)!.accuracy,
    });
    await kernels.dispose();
  } catch (err) {
    postMessage({ error: (err as Error).message });
  }
};
