/**
 * Which way round the ink is: dark on light paper, or light on dark (MNIST's way). Decided from the paper, not
 * from the image's median: a thick digit cropped tightly can fill half its frame, and grey paper is darker than
 * mid-grey. The paper's level is given (the frame of a crop, or a photo's dominant tone); the ink is whatever
 * departs from it most, darker or lighter.
 */

/** Levels within this much of the paper's are the paper's own variation (texture, noise), not ink. */
export const PAPER_NOISE = 12;

/**
 * The median level of the image's frame: the pixels within `band` of its border. A tight crop's strokes touch
 * the frame only in a few places, so its median is the paper's.
 */
export function frameLevel(data: Uint8Array, width: number, height: number, band = 1): number {
  const hist = new Uint32Array(256);
  let count = 0;
  for (let y = 0; y < height; y++) {
    const inRow = y < band || y >= height - band;
    for (let x = 0; x < width; x++)
      if (inRow || x < band || x >= width - band) {
        hist[data[y * width + x]]++;
        count++;
      }
  }
  return histogramMedian(hist, count);
}

/** The level below which (inclusive) a share `q` of a histogram's `count` values lie. */
export function histogramQuantile(hist: Uint32Array, count: number, q: number): number {
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen >= q * count) return v;
  }
  return 255;
}

/** The median of a histogram of `count` values. */
export const histogramMedian = (hist: Uint32Array, count: number) => histogramQuantile(hist, count, 0.5);

/**
 * How far the levels of a histogram depart from the paper's level `paper`, beyond its noise, darker and lighter,
 * in all. Ink departs one way; the paper's texture, both ways a little.
 */
export function departures(hist: Uint32Array, paper: number): { dark: number; light: number } {
  let dark = 0;
  let light = 0;
  for (let v = 0; v < 256; v++) {
    const d = v - paper;
    if (d < -PAPER_NOISE) dark += hist[v] * (-d - PAPER_NOISE);
    else if (d > PAPER_NOISE) light += hist[v] * (d - PAPER_NOISE);
  }
  return { dark, light };
}

/**
 * Whether the ink is darker than the paper at level `paper`: the pixels darker than the paper depart from it more
 * in all than the lighter ones. Ink that is lighter than the paper (chalk on a board, MNIST) gives false.
 */
export function inkIsDark(data: Uint8Array, paper: number): boolean {
  const hist = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) hist[data[i]]++;
  const { dark, light } = departures(hist, paper);
  return dark > light;
}
