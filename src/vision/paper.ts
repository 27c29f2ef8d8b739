/**
 * The paper model behind detection: in a photo, everything broad is paper or what lies around it — the sheet's
 * tone, uneven light, a cast shadow, the table around the sheet and the sheet's edge against it — and ink is
 * what is narrow: strokes. A grey-level closing with a window wider than any stroke (morphology.ts) gives the
 * paper as it would look without the ink, shadows and table included; the paper minus the picture is the ink
 * (the "black-hat"), light on dark as MNIST's, level wherever the light falls. The paper is taken no lighter than
 * the blocks around it mostly are (paperBound): a JPEG's ringing beside thin strokes is lighter still. Light ink
 * on dark paper (chalk, MNIST itself) is the picture minus its opening; which of the two the picture holds is
 * judged by its thin features first (thinInkIsDark), by blocks where they do not decide (darkInk;
 * inkIsDarkOnPaper).
 *
 * Large photos are first shrunk, by averaging whole blocks of pixels, to what reading digits needs (the longer
 * side WORKING_SIDE px), which bounds the work whatever the camera.
 */
import { connectedComponents } from './components.js';
import { closing, filterInTurn, opening, squareFilter } from './morphology.js';
import { shrinkFactor, type DecodedImage } from './image-input.js';
import { departures, histogramMedian, histogramQuantile, PAPER_NOISE } from './polarity.js';
import { toGray, type RawImage } from './preprocess.js';
import { distanceToInk } from './strokes.js';

/** Longer side of the working picture: a digit a 25th of a photo's height is still ~40 px tall. */
export const WORKING_SIDE = 1600;

export interface PaperInk {
  /** Size of the working picture. */
  width: number;
  height: number;
  /** Ink level of each pixel of the working picture: its departure from the paper, 0 where there is none. */
  data: Uint8Array;
  /** Whether the ink was darker than the paper. */
  inverted: boolean;
  /** Original pixels per working pixel (1 unless the picture was shrunk). */
  scale: number;
}

/**
 * Half the window of the closing: wider than half the broadest stroke expected — a fortieth of the picture's
 * longer side, and at least 20 px, as a 90-px digit thickened by a broad pen in a small crop has 15-px strokes
 * (tuned on bench-detect: 64 % of its strings read whole at 6 px, 90 % at 12, 95 % from 20 up).
 */
export const strokeRadius = (width: number, height: number) => Math.max(20, Math.round(Math.max(width, height) / 40));

/**
 * A grey picture shrunk by the integer factor `f`, each pixel the mean of the f×f block it covers (a remainder of
 * fewer than f rows or columns is left out; a side shorter than f keeps one pixel, the mean of what there is).
 */
export function shrinkGray(
  data: Uint8Array,
  fullWidth: number,
  fullHeight: number,
  f: number,
): { width: number; height: number; data: Uint8Array } {
  const width = Math.max(1, Math.floor(fullWidth / f));
  const height = Math.max(1, Math.floor(fullHeight / f));
  const rows = Math.min(fullHeight, height * f);
  const cols = Math.min(fullWidth, width * f);
  const sums = new Uint32Array(width * height);
  for (let y = 0; y < rows; y++) {
    const row = y * fullWidth;
    const out = Math.floor(y / f) * width;
    for (let x = 0; x < cols; x++) sums[out + Math.floor(x / f)] += data[row + x];
  }
  const area = (rows / height) * (cols / width);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(sums[i] / area);
  return { width, height, data: out };
}

/**
 * The picture in grey (luma, or the alpha of a drawing on a transparent background), shrunk by an integer factor
 * so its longer side is at most `side` (shrinkGray).
 */
export function workingGray(
  image: RawImage | DecodedImage,
  side = WORKING_SIDE,
): { width: number; height: number; data: Uint8Array; fromAlpha: boolean; scale: number } {
  const gray = toGray(image);
  // (an image decoded smaller already, decodeImage's maxSide, counts its own shrinking in)
  const given = 'scale' in image ? image.scale : 1;
  const f = shrinkFactor(gray.width, gray.height, side);
  if (f === 1) return { ...gray, scale: given };
  return { ...shrinkGray(gray.data, gray.width, gray.height, f), fromAlpha: gray.fromAlpha, scale: f * given };
}

/**
 * Whether the ink is darker than the paper: in each block of the picture the paper is the majority, so the
 * block's median is its level, and the ink is what departs from it — darker or lighter, whichever departs more
 * in all. Unlike the picture's median, this does not take a table that fills most of the view for the paper:
 * where a block straddles the sheet's edge, the part in the minority departs one way on one side of the edge and
 * the other way on the other.
 */
export function darkInk(data: Uint8Array, width: number, height: number, block: number): boolean {
  const hist = new Uint32Array(256);
  let dark = 0;
  let light = 0;
  for (let y0 = 0; y0 < height; y0 += block)
    for (let x0 = 0; x0 < width; x0 += block) {
      const y1 = Math.min(height, y0 + block);
      const x1 = Math.min(width, x0 + block);
      hist.fill(0);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hist[data[y * width + x]]++;
      const d = departures(hist, histogramMedian(hist, (y1 - y0) * (x1 - x0)));
      dark += d.dark;
      light += d.light;
    }
  return dark > light;
}

/** The share of the picture's line opening taken as its noise floor (see removeLines). */
const LINE_FLOOR = 0.2;

/**
 * Ruled and squared paper's lines, and a sheet's straight edges, are narrow too, but far longer than any stroke
 * of a digit: what survives an opening of the ink by a horizontal run of `long` px (of `tall` px vertically) is a
 * horizontal line, and the same for vertical ones. The ink minus those lines is left; where a stroke crosses a
 * line, it keeps its own ink above the line's. The ink is thickened across the run first (by a hundredth of the
 * run's length), so that a line tilted by a degree still holds a straight run.
 */
export function removeLines(ink: Uint8Array, width: number, height: number): Uint8Array {
  const out = ink.slice();
  const lines = new Uint8Array(ink.length);
  for (const horizontal of [true, false]) {
    const along = horizontal ? width : height;
    const long = Math.round(Math.max(0.5 * along, 0.8 * Math.min(width, height)));
    if (long >= along) continue;
    const r = Math.floor(long / 2);
    filterInTurn(ink, lines, width, height, [
      { r: Math.max(1, Math.round(0.01 * long)), horizontal: !horizontal, max: true },
      { r, horizontal, max: false },
      { r, horizontal, max: true },
    ]);
    // The opening of noisy paper is its noise floor, everywhere alike: only what rises above it is a line. Not its
    // median: on squared paper with small cells the lines, thickened, cover most of the picture, the median is a
    // line's own level, and no line went (a grid read as 13 digits); a fifth of the picture still lies between them.
    const hist = new Uint32Array(256);
    for (let i = 0; i < lines.length; i++) hist[lines[i]]++;
    const floor = histogramQuantile(hist, lines.length, LINE_FLOOR);
    const isLine = linesOfPaper(lines, floor, width, height, horizontal);
    for (let i = 0; i < out.length; i++) {
      const line = lines[i] - floor;
      // What the opening holds at the paper's noise level is the paper's wherever it is; above, only a line's.
      if (line > 0 && (line <= PAPER_NOISE || isLine(i))) out[i] = out[i] > line ? out[i] - line : 0;
    }
  }
  return out;
}

/** Runs that reach no end of the picture are lines when it holds at least this many: ruled or squared paper. */
const RULED_LINES = 3;

/**
 * Which of the runs an opening found (`lines` above `floor`) are the paper's lines rather than a digit's strokes.
 * A run that reaches an end of the picture (within a fiftieth of its side) is a line: a sheet's lines run on to
 * its edge, and so out of a photo the sheet fills. A run that stops short of both ends may be a stem: one digit in
 * a small picture (a 1, a 4's or a t's stem, a narrow 0's sides) holds runs of 0.8 of its height. It is a line
 * only among several — the lines of a ruled or squared sheet lying in the photo — where a digit or two hold one
 * or two.
 */
function linesOfPaper(
  lines: Uint8Array,
  floor: number,
  width: number,
  height: number,
  horizontal: boolean,
): (i: number) => boolean {
  const mask = new Uint8Array(lines.length);
  for (let i = 0; i < lines.length; i++) mask[i] = lines[i] - floor > PAPER_NOISE ? 1 : 0;
  const { labels, components } = connectedComponents(mask, width, height);
  if (components.length >= RULED_LINES) return () => true;
  const along = horizontal ? width : height;
  const margin = Math.max(2, Math.round(0.02 * along));
  const isLine = new Uint8Array(components.length + 1);
  for (const c of components) {
    const [start, extent] = horizontal ? [c.x, c.width] : [c.y, c.height];
    isLine[c.id] = start < margin || start + extent > along - margin ? 1 : 0;
  }
  return (i) => isLine[labels[i]] === 1;
}

/** How much the thin features of one polarity must outweigh the other's to decide. */
const THIN_MARGIN = 2;

/** Half the window, at half size, within which features count as thin for the polarity (strokes up to 10 px). */
const THIN = 2;

/**
 * Thin features must weigh at least this much (grey levels per pixel of the half-size picture, above the noise) to
 * decide. Written digits on photos of paper give 0.27–3.5; digits written large with a broad pen (strokes over 10 px)
 * have no thin features but their corners, 0.01–0.03 of either polarity, which would decide at random.
 */
const THIN_EVIDENCE = 0.1;

/**
 * Whether the picture's thin features (narrower than 2·(2·THIN + 1) px) are mostly dark or mostly light — strokes are
 * thin, while the paper between them, a sheet's edge against the table or a shadow are broad — or null when
 * there are too few (thick strokes, or no writing at all) or neither clearly outweighs the other.
 */
export function thinInkIsDark(full: Uint8Array, fullWidth: number, fullHeight: number): boolean | null {
  // At half size (a pixel the mean of four), which is plenty to tell strokes from broad shapes, in a quarter of
  // the time.
  const { width, height, data } = shrinkGray(full, fullWidth, fullHeight, 2);
  const closed = closing(data, width, height, THIN);
  const opened = opening(data, width, height, THIN);
  let dark = 0;
  let light = 0;
  for (let i = 0; i < data.length; i++) {
    const d = closed[i] - data[i];
    const l = data[i] - opened[i];
    if (d > PAPER_NOISE) dark += d - PAPER_NOISE;
    if (l > PAPER_NOISE) light += l - PAPER_NOISE;
  }
  if (Math.max(dark, light) < THIN_EVIDENCE * data.length) return null;
  if (dark > THIN_MARGIN * light) return true;
  if (light > THIN_MARGIN * dark) return false;
  return null;
}

/**
 * Departures lighter than the picture's median below this share of the darker ones are no light ink: digits
 * written large with a broad pen on white give none at all (0 of 1.7–10 million grey levels).
 */
const ONE_SIDED = 0.02;

/**
 * Light departures are strokes, not a sheet, when no piece of them covers this share of the picture: a sheet lying on
 * a darker table covers 24–50 % in our photos, the largest piece of a number drawn large with a broad pen (digits
 * touching included) 1–16 %.
 */
const STROKES_SHARE = 0.2;

/**
 * Nor is a piece strokes when it is deeper than this many stroke radii (strokeRadius): the lit part of a sheet whose
 * rest lies in a deep shadow can cover under a fifth of the picture (10–18 % in our photos) but is 5–8 radii deep,
 * where a broad pen's strokes are under one.
 */
const STROKES_DEPTH = 3;

/** Whether what departs lighter than `paper` by more than the noise is strokes (see STROKES_SHARE, STROKES_DEPTH). */
function lightIsStrokes(data: Uint8Array, width: number, height: number, paper: number, r: number): boolean {
  const light = Uint8Array.from(data, (v) => (v > paper + PAPER_NOISE ? 1 : 0));
  const { components } = connectedComponents(light, width, height);
  if (components.length === 0 || components.some((c) => c.pixels >= STROKES_SHARE * data.length)) return false;
  const depth = distanceToInk(
    Uint8Array.from(light, (v) => 1 - v),
    width,
    height,
  );
  for (let i = 0; i < depth.length; i++) if (light[i] && depth[i] > STROKES_DEPTH * r) return false;
  return true;
}

/**
 * The polarity of a picture of paper: its thin features when they decide, else the blocks' (darkInk). Thin light
 * features are also the paper left between the strokes of digits written close with a broad pen: light ink needs
 * the blocks to agree, or else the picture as a whole (ink departs from its median one way). Thin dark features
 * are the paper left between broad light strokes in turn: where next to nothing departs darker than the median and
 * what departs lighter is strokes, not a sheet, the ink is light (a number drawn with a broad pen on a black
 * canvas, as MNIST's digits are).
 */
function inkIsDarkOnPaper(data: Uint8Array, width: number, height: number, r: number): boolean {
  const hist = new Uint32Array(256);
  for (const v of data) hist[v]++;
  const median = histogramMedian(hist, data.length);
  const { dark, light } = departures(hist, median);
  if (dark < ONE_SIDED * light && lightIsStrokes(data, width, height, median, r)) return false;
  const thin = thinInkIsDark(data, width, height);
  if (thin) return true;
  // Light ink under half the picture departs lighter than its median; where next to nothing does, the ink is dark,
  // however broad its strokes (strokes of a broad pen fill whole blocks, whose paper then departs light).
  if (light < ONE_SIDED * dark) return true;
  const blocks = darkInk(data, width, height, 2 * r + 1);
  if (thin === null || !blocks) return blocks;
  return dark > light;
}

/** The quantile of a block's levels taken as its paper's lightest (paperBound): the tenth above is ringing, glints. */
const BOUND_QUANTILE = 0.9;
/** Levels the paper may lie above its bound. */
const BOUND_MARGIN = 2;

/**
 * How light the paper can be around each block of `side` px: the brightest among the 3×3 blocks around it (a
 * dilation of the blocks) of each block's BOUND_QUANTILE level (for light ink on dark paper: how dark, from the
 * other end). The closing takes the brightest pixel of its window for the paper, and beside a thin dark stroke a
 * JPEG's ringing overshoots the paper by 5–15 levels: the paper came out that much too light in a square round
 * every stroke, the "ink" there rose above hysteresis's low threshold on smooth paper, and a number's digits joined
 * into one blob (a 1.5-px pen's "914484" read "911"). The overshoot is a few percent of a block's pixels; the paper
 * is most of them. Where the light changes (a shadow's edge, the table beyond the sheet), the neighbouring blocks
 * keep the bound at the lighter side's level, so it never falls below the paper.
 */
function paperBound(data: Uint8Array, width: number, height: number, side: number, dark: boolean) {
  const bw = Math.ceil(width / side);
  const bh = Math.ceil(height / side);
  const levels = new Uint8Array(bw * bh);
  const hist = new Uint32Array(256);
  for (let by = 0; by < bh; by++)
    for (let bx = 0; bx < bw; bx++) {
      const [x0, y0] = [bx * side, by * side];
      const [x1, y1] = [Math.min(width, x0 + side), Math.min(height, y0 + side)];
      hist.fill(0);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hist[data[y * width + x]]++;
      const q = histogramQuantile(hist, (x1 - x0) * (y1 - y0), dark ? BOUND_QUANTILE : 1 - BOUND_QUANTILE);
      levels[by * bw + bx] = q;
    }
  const bound = squareFilter(levels, bw, bh, 1, dark);
  for (let i = 0; i < bound.length; i++)
    bound[i] = dark ? Math.min(255, bound[i] + BOUND_MARGIN) : Math.max(0, bound[i] - BOUND_MARGIN);
  return { levels: bound, columns: bw };
}

/** The ink of a picture of paper (see the module comment). `invert` forces dark ink (true) or light (false). */
export function paperInk(image: RawImage, invert?: boolean): PaperInk {
  const { width, height, data, fromAlpha, scale } = workingGray(image);
  const r = strokeRadius(width, height);
  // The picture continued past its edges by repeating them: a sliver of table between the sheet and the edge is
  // then as broad as the table it is part of, not a stroke.
  const p = 2 * r + 1;
  const pw = width + 2 * p;
  const ph = height + 2 * p;
  const padded = new Uint8Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const row = Math.min(height - 1, Math.max(0, y - p)) * width;
    const o = y * pw;
    padded.fill(data[row], o, o + p);
    padded.set(data.subarray(row, row + width), o + p);
    padded.fill(data[row + width - 1], o + p + width, o + pw);
  }
  const ink = (dark: boolean) => {
    const paper = dark ? closing(padded, pw, ph, r) : opening(padded, pw, ph, r);
    const side = 2 * r + 1;
    const bound = paperBound(data, width, height, side, dark);
    const blockOf = Int32Array.from({ length: width }, (_, x) => Math.floor(x / side));
    const out = new Uint8Array(data.length);
    for (let y = 0; y < height; y++) {
      const bounds = Math.floor(y / side) * bound.columns;
      for (let x = 0; x < width; x++) {
        const v = data[y * width + x];
        const b = bound.levels[bounds + blockOf[x]];
        const q = paper[(y + p) * pw + x + p];
        out[y * width + x] = dark ? Math.max(0, Math.min(q, b) - v) : Math.max(0, v - Math.max(q, b));
      }
    }
    return out;
  };
  const inverted = invert ?? (!fromAlpha && inkIsDarkOnPaper(data, width, height, r));
  return { width, height, data: removeLines(ink(inverted), width, height), inverted, scale };
}
