/**
 * Photos of handwritten numbers as the world takes them, made by our own code to measure detection where it
 * fails: a string of digits written with a pen of 1–8 px on a sheet of paper, and around and over it what photos
 * hold — the table around the sheet, the sheet's edge, a soft cast shadow, a crease, ruled or squared paper,
 * a tilted camera (perspective), kraft paper's fibres. RGB, with the truth. Seeded: a seed gives one scene.
 *
 * The digits are MNIST digits redrawn as pen strokes: each is thinned to its centre line, which is drawn again
 * with a round pen of the chosen width and ink (black, blue ballpoint, pencil). Use the MNIST test set: the
 * shipped models never trained on it, and nothing trains on these scenes.
 */
import type { ImageSet } from './dataset.js';
import { seededRandom } from './seeded.js';
import { stroke } from './pen.js';

export const SCENE_KINDS = [
  'plain',
  'table',
  'edge',
  'shadow',
  'crease',
  'ruled',
  'grid',
  'perspective',
  'kraft',
] as const;
export type SceneKind = (typeof SCENE_KINDS)[number];

export interface Scene {
  width: number;
  height: number;
  channels: 3;
  /** RGB, row-major. */
  data: Uint8Array;
  /** The digits written, left to right. */
  text: string;
  /** Each digit's index in the set it was drawn from, left to right (to read it alone: penDigit). */
  sources: number[];
  kind: SceneKind;
  /** The pen's width in pixels. */
  pen: number;
  /** Each digit's height in pixels. */
  digitHeight: number;
  /** With `owners`: for each pixel, 1 + the index of the digit whose ink is strongest there (0: no ink). */
  owners?: Uint8Array;
}

export interface SceneOptions {
  /** Image size (default: 900–1400 × 650–1000, a downscaled phone photo). */
  width?: number;
  height?: number;
  /** Digits in the string: [min, max] (default [3, 7]). */
  length?: [number, number];
  /** Pen width in pixels, [min, max] (default [1, 8]). */
  pen?: [number, number];
  /** Also return which digit each pixel's ink belongs to (for labelling candidates when training a verifier). */
  owners?: boolean;
}

/**
 * Zhang and Suen's thinning (1984): peels a binary shape's boundary pixels in two alternating sub-passes until
 * only its one-pixel-wide centre line is left, keeping it connected. In place. With `gray`, only pixels whose
 * level is below `below` are peeled (see PEEL_LEVELS).
 */
export function thin(mask: Uint8Array, w: number, h: number, gray?: Float32Array, below = Infinity): Uint8Array {
  const remove: number[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const pass of [0, 1]) {
      remove.length = 0;
      for (let y = 1; y < h - 1; y++)
        for (let x = 1; x < w - 1; x++) {
          const i = y * w + x;
          if (!mask[i] || (gray && gray[i] >= below)) continue;
          // Neighbours clockwise from north: p2 … p9.
          const p = [
            mask[i - w],
            mask[i - w + 1],
            mask[i + 1],
            mask[i + w + 1],
            mask[i + w],
            mask[i + w - 1],
            mask[i - 1],
            mask[i - w - 1],
          ];
          const count = p.reduce((a, b) => a + b, 0);
          if (count < 2 || count > 6) continue;
          let transitions = 0;
          for (let k = 0; k < 8; k++) if (!p[k] && p[(k + 1) % 8]) transitions++;
          if (transitions !== 1) continue;
          const [n, , e, , s, , west] = p;
          if (pass === 0 ? n * e * s || e * s * west : n * e * west || n * s * west) continue;
          remove.push(i);
        }
      for (const i of remove) mask[i] = 0;
      if (remove.length) changed = true;
    }
  }
  return mask;
}

/**
 * The connected pieces of an n×n mask's pixels that are `set` (or unset), each as its pixel indices and whether it
 * touches the border; 8-neighbours when `diagonal`, else 4.
 */
function pieces(mask: Uint8Array, n: number, set: boolean, diagonal: boolean): { pixels: number[]; border: boolean }[] {
  const seen = new Uint8Array(n * n);
  const out: { pixels: number[]; border: boolean }[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (seen[start] || Boolean(mask[start]) !== set) continue;
    const pixels = [start];
    let border = false;
    seen[start] = 1;
    for (let k = 0; k < pixels.length; k++) {
      const x = pixels[k] % n;
      const y = (pixels[k] - x) / n;
      if (x === 0 || y === 0 || x === n - 1 || y === n - 1) border = true;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          if ((!dx && !dy) || (!diagonal && dx && dy)) continue;
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= n || yy >= n) continue;
          const j = yy * n + xx;
          if (!seen[j] && Boolean(mask[j]) === set) {
            seen[j] = 1;
            pixels.push(j);
          }
        }
    }
    out.push({ pixels, border });
  }
  return out;
}

/** How many pieces a mask's ink makes (8-neighbours), or how many holes (4-neighbours, off the border) it has. */
function regions(mask: Uint8Array, n: number, set: boolean): number {
  return set ? pieces(mask, n, true, true).length : pieces(mask, n, false, false).filter((p) => !p.border).length;
}

/**
 * The stroke of an n×n gray digit as a mask to thin: the level that opens the most holes (a small loop's, which
 * MNIST's thick, blurred strokes fill at a low level) without breaking the stroke into more pieces than at 100.
 */
function strokeMask(gray: Float32Array, n: number): Uint8Array {
  const at = (t: number) => Uint8Array.from(gray, (v) => (v > t ? 1 : 0));
  let best = at(100);
  const pieces = regions(best, n, true);
  let holes = regions(best, n, false);
  for (let t = 110; t <= 190; t += 10) {
    const m = at(t);
    const h = regions(m, n, false);
    if (h > holes && regions(m, n, true) <= pieces) {
      best = m;
      holes = h;
    }
  }
  return best;
}

/**
 * Chamfer (3-4) distance of each set pixel to the nearest unset one, in pixels, the frame counting as unset. (A twin
 * of vision/strokes.ts's distanceToInk, with weights 1 and 4/3 where that one uses √2: the thresholds of
 * openFilledLoops were measured with these, and the two differ on 5 % of redrawn digits.)
 */
function distanceInside(mask: Uint8Array, n: number): Float32Array {
  const d = Float32Array.from(mask, (m) => (m ? 1e9 : 0));
  const relax = (i: number, x: number, y: number, dx: number, dy: number, cost: number) => {
    const xx = x + dx;
    const yy = y + dy;
    const other = xx < 0 || yy < 0 || xx >= n || yy >= n ? 0 : d[yy * n + xx];
    if (other + cost < d[i]) d[i] = other + cost;
  };
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const i = y * n + x;
      if (!d[i]) continue;
      relax(i, x, y, -1, 0, 3);
      relax(i, x, y, 0, -1, 3);
      relax(i, x, y, -1, -1, 4);
      relax(i, x, y, 1, -1, 4);
    }
  for (let y = n - 1; y >= 0; y--)
    for (let x = n - 1; x >= 0; x--) {
      const i = y * n + x;
      if (!d[i]) continue;
      relax(i, x, y, 1, 0, 3);
      relax(i, x, y, 0, 1, 3);
      relax(i, x, y, 1, 1, 4);
      relax(i, x, y, -1, 1, 4);
    }
  return d.map((v) => v / 3);
}

/**
 * Deep ink in a piece smaller than this (px at 56×56) is where strokes cross or bend, not a filled loop (isolated
 * accuracy of the redrawn MNIST test digits: 98.1 % with no loop opened, 98.6 % at 6–8, 98.5 % at 12).
 */
const MIN_LOOP_AREA = 8;

/**
 * A loop MNIST's fat pen filled shut (a 6's or 9's blob, an 8's lower loop) thins to a line, and the digit redrawn
 * with a fine pen reads as another (an "L", a "|"). Ink lying deeper than 1.6 times the stroke's usual half-width
 * (the median depth of its centre line), in a piece of at least MIN_LOOP_AREA pixels, is no stroke but a filled
 * loop: it is opened, and thinning then keeps the loop around it. (Twice the half-width missed most filled loops;
 * at 1.6, crossings and bends, about 1.4 deep, reach the limit only in small pieces.) Depth is measured as if
 * pinholes were ink: a blob left with a pinhole is as filled as one without, and thinned as it is, its loop
 * shrinks to less than the pen's width.
 */
function openFilledLoops(mask: Uint8Array, n: number): Uint8Array {
  const depth = distanceInside(withoutPinholes(mask, n), n);
  const centre = thin(mask.slice(), n, n);
  const radii: number[] = [];
  for (let i = 0; i < mask.length; i++) if (centre[i]) radii.push(depth[i]);
  if (radii.length === 0) return mask;
  radii.sort((a, b) => a - b);
  const limit = Math.max(2, 1.6 * radii[radii.length >> 1]);
  // Deep ink in pieces too small for a loop (where strokes cross or bend) stays.
  const deep = Uint8Array.from(depth, (d) => (d > limit ? 1 : 0));
  const out = mask.slice();
  for (const { pixels } of pieces(deep, n, true, false))
    if (pixels.length >= MIN_LOOP_AREA) for (const i of pixels) out[i] = 0;
  return out;
}

/**
 * Holes smaller than this (px at 56×56) in a stroke are pinholes: what a nearly filled loop (a 9's blob) leaves open.
 */
const PINHOLE = 12;

/** The mask with its pinholes filled: enclosed paper (4-connected, off the border) of fewer than PINHOLE pixels. */
function withoutPinholes(mask: Uint8Array, n: number): Uint8Array {
  const out = mask.slice();
  for (const { pixels, border } of pieces(mask, n, false, false))
    if (!border && pixels.length < PINHOLE) for (const i of pixels) out[i] = 1;
  return out;
}

/**
 * The mask is thinned in order of the ink's level: first only pixels fainter than 150 are peeled, then fainter than
 * 200, then 250, then the rest. MNIST's blur fills the notches between a fat digit's strokes (a 3's arcs) with
 * middling gray; thinned as one flat shape, the centre line ran down the middle of the blur, and a fat 3's top
 * became a stub (read 5 or 2) or a loop (9). Peeled faint-first, it follows the strokes' bright cores. Of
 * the MNIST test digits the shipped model reads right, 100 → 72 in 9,956 redrawn at MNIST's own size and pen read
 * otherwise (first 10,000 training digits: 92 → 79; the other level sets tried, from 125 in steps of 25 or 175,
 * 225, 250: 78–89), and of bench-real's plain and sheet-edge digits (2,018) 32 → 24 read otherwise alone.
 */
const PEEL_LEVELS = [150, 200, 250];

/** A digit's centre line as segments in its own 0..1 box (y down), from a 28×28 MNIST image at `off`. */
function centreLine(images: Uint8Array, off: number): { segments: number[][]; aspect: number } {
  // Twice MNIST's resolution (bilinear) gives a smoother line than its own pixels.
  const n = 56;
  const gray = new Float32Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const u = Math.min(27, Math.max(0, x / 2 - 0.25));
      const v = Math.min(27, Math.max(0, y / 2 - 0.25));
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const x1 = Math.min(27, x0 + 1);
      const y1 = Math.min(27, y0 + 1);
      const p = (xx: number, yy: number) => images[off + yy * 28 + xx];
      const fx = u - x0;
      const fy = v - y0;
      const value = (p(x0, y0) * (1 - fx) + p(x1, y0) * fx) * (1 - fy) + (p(x0, y1) * (1 - fx) + p(x1, y1) * fx) * fy;
      gray[y * n + x] = value;
    }
  const mask = openFilledLoops(strokeMask(gray, n), n);
  for (const level of PEEL_LEVELS) thin(mask, n, n, gray, level);
  thin(mask, n, n);
  let x0 = n;
  let y0 = n;
  let x1 = 0;
  let y1 = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      const x = i % n;
      const y = (i - x) / n;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  const size = Math.max(1, y1 - y0);
  // Each centre-line pixel's position smoothed with its neighbours' (twice), so that the pen does not trace
  // the pixel staircase; then the neighbour links become segments.
  const px = new Float32Array(n * n);
  const py = new Float32Array(n * n);
  for (let i = 0; i < mask.length; i++) {
    px[i] = i % n;
    py[i] = Math.floor(i / n);
  }
  const set = (x: number, y: number) => x >= 0 && y >= 0 && x < n && y < n && mask[y * n + x] === 1;
  // Neighbours along the line: a diagonal neighbour only where no pixel beside both joins them already (mixed
  // adjacency). Linking every 8-neighbour made each stair-step of the thinned line a triangle, which the pen drew
  // as a small knot (a 1-px pen's strokes were beaded with them).
  const near = (i: number) => {
    const out: number[] = [];
    const x = i % n;
    const y = (i - x) / n;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        if ((!dx && !dy) || !set(x + dx, y + dy)) continue;
        if (dx && dy && (set(x + dx, y) || set(x, y + dy))) continue;
        out.push((y + dy) * n + x + dx);
      }
    return out;
  };
  for (let pass = 0; pass < 2; pass++) {
    const nx = px.slice();
    const ny = py.slice();
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const links = near(i);
      if (links.length !== 2) continue; // ends and junctions stay where they are
      nx[i] = (2 * px[i] + px[links[0]] + px[links[1]]) / 4;
      ny[i] = (2 * py[i] + py[links[0]] + py[links[1]]) / 4;
    }
    px.set(nx);
    py.set(ny);
  }
  const at = (i: number) => [(px[i] - x0) / size, (py[i] - y0) / size];
  const segments: number[][] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const links = near(i).filter((j) => j > i);
    for (const j of links) segments.push([...at(i), ...at(j)]);
    if (near(i).length === 0) segments.push([...at(i), ...at(i)]);
  }
  return { segments, aspect: (x1 - x0) / size };
}

const smoothstep = (t: number) => (t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t));

/** One scene of `kind` with digits drawn from `set`. */
export function scene(set: ImageSet, seed: number, kind: SceneKind, options: SceneOptions = {}): Scene {
  const random = seededRandom(seed);
  const between = (a: number, b: number) => a + (b - a) * random();
  const W = options.width ?? Math.round(between(900, 1400));
  const H = options.height ?? Math.round(between(650, 1000));
  const [lmin, lmax] = options.length ?? [3, 7];
  const n = Math.floor(between(lmin, lmax + 1));
  const [pmin, pmax] = options.pen ?? [1, 8];
  const pen = Math.round(between(pmin, pmax) * 2) / 2;

  // The sheet: the whole frame, or a tilted rectangle on a table (its corners, clockwise from top-left).
  const onTable = kind === 'table' || kind === 'edge' || kind === 'perspective';
  let sheet: [number, number][];
  if (kind === 'table' || kind === 'perspective') {
    const sw = W * between(0.6, 0.85);
    const sh = H * between(0.6, 0.85);
    const cx = W / 2 + between(-0.5, 0.5) * (W - sw) * 0.8;
    const cy = H / 2 + between(-0.5, 0.5) * (H - sh) * 0.8;
    const a = (between(-8, 8) * Math.PI) / 180;
    sheet = [
      [-sw / 2, -sh / 2],
      [sw / 2, -sh / 2],
      [sw / 2, sh / 2],
      [-sw / 2, sh / 2],
    ].map(([x, y]) => [cx + x * Math.cos(a) - y * Math.sin(a), cy + x * Math.sin(a) + y * Math.cos(a)]);
  } else if (kind === 'edge') {
    // The sheet's edge crosses the picture near one side, slightly tilted; the table shows beyond it.
    const inset = between(0.08, 0.2);
    const tilt = between(-0.06, 0.06);
    const side = Math.floor(random() * 4);
    const big = 10 * (W + H);
    const edge: [number, number][] =
      side === 0
        ? [
            [-big, H * inset - big * tilt],
            [big, H * inset + big * tilt],
          ]
        : side === 1
          ? [
              [W * (1 - inset) - big * tilt, -big],
              [W * (1 - inset) + big * tilt, big],
            ]
          : side === 2
            ? [
                [big, H * (1 - inset) + big * tilt],
                [-big, H * (1 - inset) - big * tilt],
              ]
            : [
                [W * inset + big * tilt, big],
                [W * inset - big * tilt, -big],
              ];
    // A huge quadrilateral whose one near side is the edge.
    const [[ax, ay], [bx, by]] = edge;
    const nx = -(by - ay);
    const ny = bx - ax;
    const len = Math.hypot(nx, ny);
    const ox = (nx / len) * big;
    const oy = (ny / len) * big;
    sheet = [
      [ax, ay],
      [bx, by],
      [bx + ox, by + oy],
      [ax + ox, ay + oy],
    ];
  } else
    sheet = [
      [-1, -1],
      [W + 1, -1],
      [W + 1, H + 1],
      [-1, H + 1],
    ];
  // Inside the sheet: every edge has the point on the same side as the sheet's centre.
  const sx = sheet.reduce((s, p) => s + p[0], 0) / 4;
  const sy = sheet.reduce((s, p) => s + p[1], 0) / 4;
  const edgeDistance = (x: number, y: number) => {
    let d = Infinity;
    for (let k = 0; k < 4; k++) {
      const [ax, ay] = sheet[k];
      const [bx, by] = sheet[(k + 1) % 4];
      const nx = ay - by;
      const ny = bx - ax;
      const len = Math.hypot(nx, ny);
      const side = Math.sign((sx - ax) * nx + (sy - ay) * ny);
      d = Math.min(d, (side * ((x - ax) * nx + (y - ay) * ny)) / len);
    }
    return d; // > 0 inside
  };
  // The writing area: the part of the frame inside the sheet, away from its edges.
  let minX = W;
  let maxX = 0;
  let minY = H;
  let maxY = 0;
  const marginIn = 0.06 * Math.min(W, H);
  for (let y = 0; y < H; y += 8)
    for (let x = 0; x < W; x += 8)
      if (edgeDistance(x, y) > marginIn && x > marginIn && x < W - marginIn && y > marginIn && y < H - marginIn) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }

  // The digits, as centre lines, laid out left to right at one height.
  const picks = Array.from({ length: n }, () => Math.floor(random() * set.count));
  const lines = picks.map((i) => centreLine(set.images, i * 784));
  const gaps = picks.map(() => between(0.2, 0.6));
  const slant = between(-0.2, 0.2);
  const widthInHeights = lines.reduce((s, l, k) => s + l.aspect + (k ? gaps[k] : 0), 0);
  let digitHeight = H * between(0.1, 0.22);
  const fitW = (maxX - minX) * 0.9;
  if (digitHeight * widthInHeights > fitW) digitHeight = fitW / widthInHeights;
  digitHeight = Math.min(digitHeight, (maxY - minY) * 0.7);
  const totalW = digitHeight * widthInHeights;
  const xStart = minX + between(0, Math.max(0, maxX - minX - totalW));
  let x = xStart;
  const top = minY + between(0.1, 0.9) * Math.max(0, maxY - minY - digitHeight * 1.2);
  const ruledSpacing = digitHeight * between(0.9, 1.2);
  const cover = new Float32Array(W * H);
  const owner = options.owners ? new Uint8Array(W * H) : undefined;
  for (const [k, line] of lines.entries()) {
    if (k) x += gaps[k] * digitHeight;
    const dy = between(-0.06, 0.06) * digitHeight;
    const place = (u: number, v: number): [number, number] => [
      x + u * digitHeight + slant * (0.5 - v) * digitHeight,
      top + dy + v * digitHeight,
    ];
    for (const [ax, ay, bx, by] of line.segments)
      stroke(cover, W, H, [...place(ax, ay), ...place(bx, by)], pen, owner, k + 1);
    x += line.aspect * digitHeight;
  }

  // Colours: paper, table and ink.
  const kraft = kind === 'kraft';
  const paper = kraft
    ? [between(175, 200), between(135, 160), between(95, 120)]
    : [between(215, 250), between(212, 248), between(200, 245)];
  const table = [between(60, 150), between(40, 110), between(25, 80)];
  const inkKind = random();
  const ink =
    inkKind < 0.45
      ? [between(15, 60), between(15, 60), between(20, 70)]
      : inkKind < 0.8
        ? [between(20, 50), between(30, 70), between(110, 170)]
        : [between(85, 115), between(85, 115), between(90, 120)]; // pencil
  // Light: a gentle gradient, and for 'shadow' a soft-edged cast shadow over part of the writing.
  const gx = between(-0.12, 0.12) / W;
  const gy = between(-0.12, 0.12) / H;
  const shadowAngle = between(0, 2 * Math.PI);
  const [shx, shy] = [Math.cos(shadowAngle), Math.sin(shadowAngle)];
  // The shadow's edge runs through the writing.
  const shadowAt = (xStart + between(0.2, 0.8) * totalW) * shx + (top + digitHeight / 2) * shy;
  const shadowDepth = between(0.3, 0.6);
  const penumbra = between(0.02, 0.12) * Math.min(W, H);
  // Ruled lines under the digits (and a margin line), or squares.
  const ruledPhase = top + digitHeight * 1.05;
  const gridSpacing = digitHeight * between(0.3, 0.6);
  const gridPhase = between(0, gridSpacing);
  const lineColour = [between(120, 170), between(150, 190), between(190, 230)];
  const lineWidth = between(1, 2.2);
  // A crease: a straight fold across the sheet, dark on one side of its ridge.
  const creaseAngle = between(0, Math.PI);
  const [cnx, cny] = [Math.cos(creaseAngle), Math.sin(creaseAngle)];
  const creaseAt = cnx * between(0.3, 0.7) * W + cny * between(0.3, 0.7) * H;
  const creaseWidth = between(3, 12);
  const noise = between(2, 8);
  // Wood grain or a plain desk for the table.
  const grain = between(0.02, 0.08);

  const rgb = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let xx = 0; xx < W; xx++) {
      const i = y * W + xx;
      const inside = onTable ? smoothstep(edgeDistance(xx + 0.5, y + 0.5) + 0.5) : 1;
      let light = 1 + gx * (xx - W / 2) + gy * (y - H / 2);
      if (kind === 'shadow') {
        const s = (xx * shx + y * shy - shadowAt) / penumbra;
        light *= 1 - shadowDepth * smoothstep(s + 0.5);
      }
      let base = paper.slice();
      if (kind === 'ruled') {
        const d = Math.abs(((y - ruledPhase) % ruledSpacing) + (y < ruledPhase ? ruledSpacing : 0));
        const dd = Math.min(d, ruledSpacing - d);
        const a = Math.min(1, Math.max(0, lineWidth / 2 + 0.5 - dd)) * 0.8;
        base = base.map((c, ch) => c * (1 - a) + lineColour[ch] * a);
      } else if (kind === 'grid') {
        const ax = Math.abs(((xx - gridPhase) % gridSpacing) + gridSpacing) % gridSpacing;
        const ay = Math.abs(((y - gridPhase) % gridSpacing) + gridSpacing) % gridSpacing;
        const dd = Math.min(ax, gridSpacing - ax, ay, gridSpacing - ay);
        const a = Math.min(1, Math.max(0, lineWidth / 2 + 0.5 - dd)) * 0.6;
        base = base.map((c, ch) => c * (1 - a) + lineColour[ch] * a);
      } else if (kind === 'crease') {
        const d = xx * cnx + y * cny - creaseAt;
        light *= 1 - 0.25 * Math.exp(-(d * d) / (2 * creaseWidth * creaseWidth)) * (d < 0 ? 1 : 0.4);
      }
      const texture = kraft
        ? 14 * (Math.sin(xx * 0.9 + Math.sin(y * 0.05) * 6) * Math.sin(y * 0.13 + xx * 0.02)) + (random() - 0.5) * 30
        : (random() + random() - 1) * noise;
      const wood = 1 + grain * Math.sin(y * 0.03 + Math.sin(xx * 0.004) * 8) + (random() - 0.5) * 0.06;
      const a = cover[i] * inside;
      for (let ch = 0; ch < 3; ch++) {
        const p = (base[ch] + texture) * (1 - a) + ink[ch] * a;
        rgb[i * 3 + ch] = (p * inside + table[ch] * wood * (1 - inside)) * light;
      }
    }

  let out = rgb;
  let owners = owner;
  if (kind === 'perspective') {
    // The camera tilted: each corner of the picture shows a point up to 15 % outside the flat one's corner (a
    // homography), so the whole sheet stays in view, smaller and skewed; beyond the flat picture is more table.
    const move = () => between(0, 0.15);
    const src: [number, number][] = [
      [-W * move(), -H * move()],
      [W * (1 + move()), -H * move()],
      [W * (1 + move()), H * (1 + move())],
      [-W * move(), H * (1 + move())],
    ];
    const hmat = homography(
      [
        [0, 0],
        [W, 0],
        [W, H],
        [0, H],
      ],
      src,
    );
    out = new Float32Array(W * H * 3);
    owners = owner ? new Uint8Array(W * H) : undefined;
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++) {
        const zx = hmat[0] * xx + hmat[1] * y + hmat[2];
        const zy = hmat[3] * xx + hmat[4] * y + hmat[5];
        const zw = hmat[6] * xx + hmat[7] * y + 1;
        const o = (y * W + xx) * 3;
        if (zx / zw < 0 || zy / zw < 0 || zx / zw > W - 1 || zy / zw > H - 1) {
          // Beyond the flat picture: more of the table.
          const wood = 1 + grain * Math.sin((zy / zw) * 0.03) + (random() - 0.5) * 0.06;
          for (let ch = 0; ch < 3; ch++) out[o + ch] = table[ch] * wood;
          continue;
        }
        const u = Math.min(W - 1.001, zx / zw);
        const v = Math.min(H - 1.001, zy / zw);
        const x0 = Math.floor(u);
        const y0 = Math.floor(v);
        const fx = u - x0;
        const fy = v - y0;
        if (owner && owners) owners[y * W + xx] = owner[Math.round(v) * W + Math.round(u)];
        for (let ch = 0; ch < 3; ch++) {
          const p = (xa: number, ya: number) => rgb[(ya * W + xa) * 3 + ch];
          out[o + ch] =
            (p(x0, y0) * (1 - fx) + p(x0 + 1, y0) * fx) * (1 - fy) +
            (p(x0, y0 + 1) * (1 - fx) + p(x0 + 1, y0 + 1) * fx) * fy;
        }
      }
  }
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(out[i])));
  const text = picks.map((i) => String(set.labels ? set.labels[i] : '?')).join('');
  const truth = {
    text,
    sources: picks,
    kind,
    pen,
    digitHeight: Math.round(digitHeight),
    ...(owners ? { owners } : {}),
  };
  return { width: W, height: H, channels: 3, data, ...truth };
}

/**
 * The homography taking the four points `from` to `to` (as [h0..h7], h8 = 1): the 8×8 linear system solved by
 * Gaussian elimination with partial pivoting.
 */
export function homography(from: [number, number][], to: [number, number][]): number[] {
  const a: number[][] = [];
  for (let k = 0; k < 4; k++) {
    const [x, y] = from[k];
    const [u, v] = to[k];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k < 9; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, r) => row[8] / row[r]);
}

/**
 * One MNIST digit drawn again with a pen of `pen` px, `height` px tall, cropped tightly to its strokes (no
 * margin, but a pixel of paper either side of an upright 1), dark ink on white paper: what a form's box or a postal
 * code's field gives `recognize`.
 */
export function penDigit(
  set: ImageSet,
  index: number,
  height: number,
  pen: number,
): { width: number; height: number; channels: 1; data: Uint8Array } {
  const { segments, aspect } = centreLine(set.images, index * 784);
  const inner = Math.max(1, height - pen);
  const strokes = aspect * inner + pen;
  // An upright 1 cropped to its stroke would be ink from side to side, a picture no one could tell from a blank
  // one: a column of paper is left on each side (the strokes centred).
  const width = Math.max(Math.ceil(strokes), Math.ceil(pen) + 2);
  const left = (width - strokes) / 2;
  const cover = new Float32Array(width * height);
  const at = (u: number, v: number) => [left + pen / 2 + u * inner, pen / 2 + v * inner];
  for (const [ax, ay, bx, by] of segments) stroke(cover, width, height, [...at(ax, ay), ...at(bx, by)], pen);
  const data = Uint8Array.from(cover, (c) => Math.round(245 - c * (245 - 30)));
  return { width, height, channels: 1, data };
}
