/**
 * Grids of dataset images with a caption over each, composed with sharp: the seed's "Predicted: X, Actual: Y"
 * pictures. Images are upscaled nearest-neighbour (every source pixel becomes a crisp scale×scale block) and shown
 * as stored: ink bright on a dark background, as matplotlib's gray colormap shows MNIST.
 */
import type { ImageSet } from '../data/index.js';
import { escapeXml } from './escape.js';
import { loadSharp } from './render.js';

/** One image to show. */
export interface GridSample {
  /** Index of the image in the set. */
  index: number;
  predicted: number;
  actual: number;
  /** Probability the model gave its prediction. */
  confidence: number;
}

/** Where a sample landed in the picture. */
export interface GridTile extends GridSample {
  /** Top-left corner of the upscaled image, in pixels of the PNG. */
  x: number;
  y: number;
  /** Caption lines drawn above the image. */
  caption: string[];
}

export interface Grid {
  png: Buffer;
  width: number;
  height: number;
  /** Upscaling factor of every tile. */
  scale: number;
  tiles: GridTile[];
}

export interface GridOptions {
  /** Tiles per row (default 6). */
  columns?: number;
  /** Upscaling factor (default 5: 28 px → 140 px). */
  scale?: number;
  /** Heading line above the grid; none if empty. */
  heading?: string;
  /** Caption lines for a sample (default: "Predicted: X, Actual: Y"). */
  caption?: (s: GridSample) => string[];
  /** Caption colour (CSS). */
  captionColor?: string;
  /** Minimum cell width for captions, in pixels (default 190: ~26 characters at 13 px). */
  captionWidth?: number;
}

/** The seed's caption. */
export const predictedActual = (s: GridSample): string[] => [`Predicted: ${s.predicted}, Actual: ${s.actual}`];

/** The seed's caption with the model's confidence on a second line (for mistakes). */
export const predictedActualConfidence = (s: GridSample): string[] => [
  ...predictedActual(s),
  `confidence ${(s.confidence * 100).toFixed(1)} %`,
];

const FONT_SIZE = 13;
const LINE = 17;
const PAD = 12;
const HEADING = 30;
const FONT = `'DejaVu Sans', Helvetica, Arial, sans-serif`;

/** Draws `samples` of `set` in a grid, row by row, with captions. */
export async function sampleGrid(set: ImageSet, samples: GridSample[], options: GridOptions = {}): Promise<Grid> {
  const columns = Math.max(1, options.columns ?? 6);
  const scale = Math.max(1, options.scale ?? 5);
  const caption = options.caption ?? predictedActual;
  const captions = samples.map(caption);
  const lines = Math.max(0, ...captions.map((c) => c.length));
  const tileW = set.width * scale;
  const tileH = set.height * scale;
  const cellW = Math.max(tileW, lines ? (options.captionWidth ?? 190) : 0) + PAD;
  const cellH = lines * LINE + tileH + PAD;
  const rows = Math.ceil(samples.length / columns);
  const top = options.heading ? HEADING : PAD / 2;
  const width = Math.max(columns * cellW + PAD, options.heading ? 8 * options.heading.length + 2 * PAD : 0);
  const height = top + Math.max(1, rows) * cellH + PAD / 2;

  const sharp = await loadSharp();
  const pixels = set.height * set.width;
  const tiles: GridTile[] = [];
  const layers: { input: Buffer; left: number; top: number }[] = [];
  const text: string[] = [];
  if (options.heading) text.push(svgText(PAD, 20, options.heading, 'bold', '#000', 'start', 15));
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (!Number.isInteger(s.index) || s.index < 0 || s.index >= set.count)
      throw new RangeError(`sample index ${s.index} is outside the set of ${set.count} images`);
    const cellX = PAD + (i % columns) * cellW;
    const cellY = top + Math.floor(i / columns) * cellH;
    const x = cellX + Math.floor((cellW - PAD - tileW) / 2);
    const y = cellY + lines * LINE;
    const source = Buffer.from(set.images.buffer, set.images.byteOffset + s.index * pixels, pixels);
    const input = await sharp(source, { raw: { width: set.width, height: set.height, channels: 1 } })
      .resize(tileW, tileH, { kernel: 'nearest' })
      .toColourspace('srgb')
      .png({ compressionLevel: 0 })
      .toBuffer();
    layers.push({ input, left: x, top: y });
    captions[i].forEach((line, l) =>
      text.push(
        svgText(cellX + (cellW - PAD) / 2, cellY + (l + 1) * LINE - 4, line, 'normal', options.captionColor ?? '#000'),
      ),
    );
    tiles.push({ ...s, x, y, caption: captions[i] });
  }
  if (text.length) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text.join('')}</svg>`;
    layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  }
  const png = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toBuffer();
  return { png, width, height, scale, tiles };
}

function svgText(
  x: number,
  y: number,
  content: string,
  weight: string,
  color: string,
  anchor = 'middle',
  size = FONT_SIZE,
): string {
  return (
    `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${size}" font-weight="${weight}" ` +
    `fill="${color}" text-anchor="${anchor}">${escapeXml(content)}</text>`
  );
}

/** Up to `count` distinct entries of `candidates`, chosen uniformly at random by `random` (in [0, 1)), in order. */
export function pickRandom(candidates: readonly number[], count: number, random: () => number): number[] {
  const pool = candidates.slice();
  const n = Math.min(count, pool.length);
  // Partial Fisher–Yates: the first n slots end up a uniform sample without replacement.
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n).sort((a, b) => a - b);
}
