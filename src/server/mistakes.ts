/** The model's mistakes on the MNIST test set, surest first, for the page's gallery. */
import { loadMnist } from '../data/mnist.js';
import { predict } from '../train/evaluate.js';
import type { DigitModel } from '../vision/digit-model.js';

export interface Mistake {
  index: number;
  label: number;
  predicted: number;
  confidence: number;
  /** The 28×28 image, base64 of its bytes. */
  pixels: string;
}

export function misclassified(model: DigitModel): { total: number; list: Mistake[] } {
  const test = loadMnist().test!;
  // Batches of 100: the engine's memory grows to fit the largest batch and stays that size (a CNN at 1000 images
  // a batch held ~500 MB more for the rest of the server's life).
  const p = predict(model.network, test, { scale: model.scale, shift: model.shift, batchSize: 100 });
  const list: Mistake[] = [];
  const size = test.height * test.width;
  for (let i = 0; i < test.count; i++) {
    const label = test.labels![i];
    const predicted = p.labels[i];
    if (predicted === label) continue;
    list.push({
      index: i,
      label,
      predicted,
      confidence: p.probabilities[i * p.classes + predicted],
      pixels: Buffer.from(test.images.subarray(i * size, (i + 1) * size)).toString('base64'),
    });
  }
  list.sort((a, b) => b.confidence - a.confidence);
  return { total: test.count, list };
}
