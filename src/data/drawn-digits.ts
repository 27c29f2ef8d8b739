/**
 * Digits as people draw them with a pen or a mouse, in the styles MNIST's writers rarely use: 1 as a bare upright
 * stroke, with a flag, with flag and foot; 7 with and without a crossbar; open and closed 4s; 9 with a straight,
 * curved or open-topped loop; round, looped and angular 2s; flat-topped 3s; slashed 0s; and any of them hollow
 * (outlined) or double-stroked. Each style is a few strokes in a unit box, varied per glyph (slant, width,
 * rotation, jitter) and drawn at its real pen width (1–8 px) in the final picture, so thin pens stay thin.
 * Seeded: a seed gives one picture.
 */
import { arc, stroke } from './pen.js';
import { seededRandom } from './seeded.js';

type Point = [number, number];
type Strokes = Point[][];

const oval = arc(0.3, 0.5, 0.28, 0.48, -90, 270);
const stem1: Point[] = [
  [0.3, 0],
  [0.3, 1],
];
const loop9 = arc(0.3, 0.28, 0.27, 0.26, 0, 360);
const top7: Point[] = [
  [0.02, 0.02],
  [0.6, 0.02],
  [0.22, 1],
];

/** Every style of every digit: strokes in a box about 0.6 wide and 1 tall. */
export const DIGIT_STYLES: Record<number, Record<string, Strokes>> = {
  0: {
    oval: [oval],
    slashed: [
      oval,
      [
        [0.52, 0.12],
        [0.08, 0.88],
      ],
    ],
  },
  1: {
    stroke: [stem1],
    flag: [
      [
        [0.05, 0.28],
        [0.3, 0],
        [0.3, 1],
      ],
    ],
    'flag-foot': [
      [
        [0.05, 0.28],
        [0.3, 0],
        [0.3, 1],
      ],
      [
        [0.08, 1],
        [0.52, 1],
      ],
    ],
  },
  2: {
    round: [[...arc(0.3, 0.28, 0.27, 0.26, 200, 385), [0.02, 0.98], [0.6, 0.98]]],
    looped: [
      [...arc(0.3, 0.28, 0.27, 0.26, 200, 385), [0.1, 0.9], ...arc(0.13, 0.86, 0.09, 0.09, 100, 430), [0.6, 0.98]],
    ],
    angular: [
      [
        [0.04, 0.06],
        [0.56, 0.04],
        [0.02, 0.98],
        [0.6, 0.98],
      ],
    ],
  },
  3: {
    round: [[...arc(0.28, 0.25, 0.26, 0.24, 200, 450), ...arc(0.28, 0.73, 0.3, 0.26, 270, 520)]],
    'flat-top': [[[0.02, 0.02], [0.56, 0.02], [0.22, 0.42], ...arc(0.28, 0.7, 0.3, 0.28, 255, 520)]],
  },
  4: {
    open: [
      [
        [0.36, 0],
        [0.02, 0.65],
        [0.62, 0.65],
      ],
      [
        [0.46, 0.3],
        [0.46, 1],
      ],
    ],
    closed: [
      [
        [0.46, 1],
        [0.46, 0],
        [0.02, 0.65],
        [0.62, 0.65],
      ],
    ],
    upright: [
      [
        [0.08, 0],
        [0.06, 0.6],
        [0.62, 0.6],
      ],
      [
        [0.46, 0.04],
        [0.46, 1],
      ],
    ],
  },
  5: {
    standard: [[[0.56, 0.02], [0.1, 0.02], [0.07, 0.45], ...arc(0.28, 0.68, 0.28, 0.3, 230, 520)]],
    'bar-apart': [
      [[0.1, 0.05], [0.07, 0.45], ...arc(0.28, 0.68, 0.28, 0.3, 230, 520)],
      [
        [0.14, 0.03],
        [0.6, 0],
      ],
    ],
  },
  6: {
    loop: [[[0.5, 0.02], [0.26, 0.18], [0.1, 0.45], [0.06, 0.7], ...arc(0.3, 0.74, 0.24, 0.24, 180, 540)]],
  },
  7: {
    plain: [top7],
    bar: [
      top7,
      [
        [0.16, 0.52],
        [0.56, 0.5],
      ],
    ],
    hooked: [
      [
        [0.02, 0.16],
        [0.02, 0.02],
        [0.6, 0.02],
        [0.26, 1],
      ],
    ],
  },
  8: {
    loops: [arc(0.3, 0.25, 0.22, 0.23, 90, 450), arc(0.3, 0.73, 0.28, 0.26, -90, 270)],
    'one-stroke': [[...arc(0.3, 0.25, 0.22, 0.23, 90, -270), ...arc(0.3, 0.73, 0.28, 0.26, 270, -90)]],
  },
  9: {
    stem: [
      loop9,
      [
        [0.57, 0.28],
        [0.55, 1],
      ],
    ],
    curved: [
      loop9,
      [
        [0.57, 0.28],
        [0.55, 0.7],
        [0.42, 0.94],
        [0.15, 0.96],
      ],
    ],
    'open-top': [
      arc(0.3, 0.3, 0.27, 0.26, -60, 210),
      [
        [0.57, 0.06],
        [0.55, 1],
      ],
    ],
  },
};

/** How a whole string's strokes are drawn: a plain line, an outline (hollow), or the line twice. */
export const STROKE_KINDS = ['plain', 'hollow', 'double'] as const;
export type StrokeKind = (typeof STROKE_KINDS)[number];

export interface DrawnString {
  width: number;
  height: number;
  channels: 1;
  /** Gray pixels, dark ink on light paper. */
  data: Uint8Array;
  text: string;
  /** Each digit's style ("1/flag", "7/bar", …). */
  styles: string[];
  /** Pen width in pixels. */
  pen: number;
  kind: StrokeKind;
  boxes: { x: number; y: number; width: number; height: number }[];
  /** With `owners`: for each pixel, 1 + the index of the digit whose stroke covers it most (0: none). */
  owners?: Uint8Array;
}

export interface DrawnStringOptions {
  /** The digits to write (default: 3–6 random ones). */
  text?: string;
  /** Only these styles of each digit (e.g. { 1: ['stroke'] }); default all. */
  styles?: Partial<Record<number, string[]>>;
  /** Pen width in px, [min, max] (default [1, 8]). */
  pen?: [number, number];
  /** Digit height in px, [min, max] (default [28, 90]). */
  height?: [number, number];
  /** Space between neighbouring digits, in digit heights, [min, max] (default [0.12, 0.45]). */
  gap?: [number, number];
  /**
   * Digit width relative to the style's own, [min, max], one for the string (default [0.8, 1.25]); a number
   * squeezed into a small box, like five digits across the web page's canvas, is written narrow (down to 0.45).
   */
  width?: [number, number];
  /** How the strokes are drawn (default: plain, one string in eight hollow, one in eight double). */
  kind?: StrokeKind;
  owners?: boolean;
}

/** A string of drawn digits on paper: one writer, so one pen, slant and stroke kind for the string. */
export function drawnString(seed: number, options: DrawnStringOptions = {}): DrawnString {
  const random = seededRandom(seed);
  const between = (a: number, b: number) => a + (b - a) * random();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const text =
    options.text ??
    Array.from({ length: 3 + Math.floor(random() * 4) }, () => String(Math.floor(random() * 10))).join('');
  const [h0, h1] = options.height ?? [28, 90];
  const digitH = Math.round(between(h0, h1));
  const [p0, p1] = options.pen ?? [1, 8];
  const gap = options.gap ?? [0.12, 0.45];
  const r = random();
  const kind: StrokeKind = options.kind ?? (r < 0.125 ? 'hollow' : r < 0.25 ? 'double' : 'plain');
  // A hollow stroke needs room for its inside: at least 5 px; its outline is 1–2 px.
  const pen = kind === 'hollow' ? Math.max(5, between(p0, p1)) : between(p0, p1);
  const slant = between(-0.3, 0.3);
  const widthScale = between(...(options.width ?? [0.8, 1.25]));
  const margin = Math.round(digitH * 0.4 + pen);
  // Lay the glyphs out in pixels.
  const glyphs: { strokes: Strokes; x0: number; x1: number; label: number }[] = [];
  const styles: string[] = [];
  let penX = margin;
  for (const ch of text) {
    const label = Number(ch);
    const names = options.styles?.[label] ?? Object.keys(DIGIT_STYLES[label]);
    const name = pick(names);
    styles.push(`${label}/${name}`);
    const rot = (between(-6, 6) * Math.PI) / 180;
    // A hand's wobble: a smooth warp of the glyph (a point-by-point jitter would draw a jagged line).
    const [ax, ay, fx, fy, px, py] = [
      between(0, 0.035),
      between(0, 0.035),
      between(1, 2.5),
      between(1, 2.5),
      between(0, 7),
      between(0, 7),
    ];
    const top = margin + between(-0.08, 0.08) * digitH;
    const placed = DIGIT_STYLES[label][name].map((path) =>
      path.map(([u, v]): Point => {
        const x = (u - 0.3) * widthScale + ax * Math.sin(fx * Math.PI * v + px);
        const y = v - 0.5 + ay * Math.sin(fy * Math.PI * u * 1.6 + py);
        const xr = x * Math.cos(rot) - y * Math.sin(rot) + slant * (0.5 - y);
        const yr = x * Math.sin(rot) + y * Math.cos(rot);
        return [xr * digitH, top + (yr + 0.5) * digitH];
      }),
    );
    const xs = placed.flat().map((p) => p[0]);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const shift = penX - lo;
    for (const path of placed) for (const p of path) p[0] += shift;
    glyphs.push({ strokes: placed, x0: penX, x1: penX + hi - lo, label });
    penX += hi - lo + pen + digitH * between(...gap);
  }
  const width = Math.ceil(penX - digitH * 0.2 + margin);
  const height = Math.ceil(digitH + 2 * margin);
  const cover = new Float32Array(width * height);
  const owners = options.owners ? new Uint8Array(width * height) : undefined;
  const draw = (into: Float32Array, w: number, dx: number, dy: number, own: boolean) =>
    glyphs.forEach((g, k) => {
      for (const path of g.strokes)
        for (let i = 1; i < path.length; i++) {
          const [ax, ay] = path[i - 1];
          const [bx, by] = path[i];
          stroke(into, width, height, [ax + dx, ay + dy, bx + dx, by + dy], w, own ? owners : undefined, k + 1);
        }
    });
  draw(cover, pen, 0, 0, true);
  if (kind === 'hollow') {
    const inside = new Float32Array(width * height);
    draw(inside, pen - 2 * between(1, 2), 0, 0, false);
    for (let i = 0; i < cover.length; i++) cover[i] = Math.max(0, cover[i] - inside[i]);
  } else if (kind === 'double') {
    const off = Math.max(pen + 1, digitH * 0.04);
    draw(cover, pen, off * 0.6, off * 0.3, false);
  }
  const paper = between(215, 250);
  const ink = between(15, 80);
  const noise = between(0, 6);
  const data = Uint8Array.from(cover, (c) =>
    Math.max(0, Math.min(255, Math.round(paper - c * (paper - ink) + (random() + random() - 1) * noise))),
  );
  const boxes = glyphs.map((g) => {
    const ys = g.strokes.flat().map((p) => p[1]);
    const y0 = Math.min(...ys) - pen / 2;
    return {
      x: Math.round(g.x0 - pen / 2),
      y: Math.round(y0),
      width: Math.round(g.x1 - g.x0 + pen),
      height: Math.round(Math.max(...ys) + pen / 2 - y0),
    };
  });
  return { width, height, channels: 1, data, text, styles, pen, kind, boxes, ...(owners ? { owners } : {}) };
}
