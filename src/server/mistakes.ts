/** The model's mistakes on the MNIST test set, surest first, for the page's gallery. */
import { loadMnist } from '../data/mnist.js';
import { misreadings, surestFirst, type Misreading } from '../report/metrics.js';
import { predict } from '../train/evaluate.js';
import type { DigitModel } from '../vision/digit-model.js';

export interface Mistake extends Misreading {
  /** The 28×28 image, base64 of its bytes. */
  pixels: string;
}

/**
 * Test images predicted per turn of the recognition lane, in one batch: about 20 ms of the shipped model. Small
 * batches also keep memory down: the engine's memory grows to fit the largest batch and stays that size (a CNN at
 * 1000 images a batch held ~500 MB more for the rest of the server's life).
 */
const CHUNK = 100;

/**
 * The model's mistakes on MNIST test, predicted chunk by chunk through `lane` (the server's recognition queue), so
 * that a drawing or a photo sent meanwhile waits for one chunk, not for all 10,000 images.
 */
export async function misclassified(
  model: DigitModel,
  lane: <T>(job: () => Promise<T>) => Promise<T> = (job) => job(),
): Promise<{ total: number; list: Mistake[] }> {
  const test = loadMnist().test!;
  const size = test.height * test.width;
  const list: Mistake[] = [];
  for (let start = 0; start < test.count; start += CHUNK) {
    const count = Math.min(CHUNK, test.count - start);
    const chunk = {
      ...test,
      count,
      images: test.images.subarray(start * size, (start + count) * size),
      labels: test.labels!.subarray(start, start + count),
    };
    const p = await lane(async () =>
      predict(model.network, chunk, { scale: model.scale, shift: model.shift, batchSize: CHUNK }),
    );
    for (const m of misreadings(chunk.labels, p, start)) {
      const pixels = test.images.subarray(m.index * size, (m.index + 1) * size);
      list.push({ ...m, pixels: Buffer.from(pixels).toString('base64') });
    }
  }
  list.sort(surestFirst);
  return { total: test.count, list };
}
