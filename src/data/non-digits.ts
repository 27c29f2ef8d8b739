/**
 * Things that are not digits, made by our own code to teach and to measure "not a digit": letters and symbols
 * printed in fonts, and marks drawn with a pen (scribbles, dashes, crosses, hashes, stars, zigzags, waves, arrows,
 * ticks, triangles, boxes, smudges, dots). Characters and fonts are split into a training part and a held-out
 * part, so a bench can measure rejection on shapes the verifier never saw. Characters a person reads as a digit
 * (O and o as 0; I, l, | and ! as 1; Z as 2; S as 5; b and G as 6; B as 8; g and q as 9, …) are in neither part.
 */
import { installedFonts, type PrintedFont } from './printed-digits.js';
import { arc, stroke } from './pen.js';
import { seededRandom } from './seeded.js';

/**
 * Letters and symbols, split: training uses `train`, benches measure on `heldOut`. Training reaches past the Latin
 * alphabet (Greek, Cyrillic, mathematical and other symbols people write or print) so that "not a digit" is learnt
 * as a broad idea rather than as a list. Left out of training, besides the digit look-alikes above: glyphs a person
 * takes for a digit (З and Э as 3, Ч as 4, Б and б as 6, в and д as 6 in italics, β as 8, δ and σ as 6, ∃ as 3, Θ as 0, ◊ as 0) and near
 * copies of the held-out characters (Р, р, ρ as P; у, γ, λ as y; ω as w; τ as t; ∧, Λ, ↑ as ^; Γ and г as F and L;
 * ¶ as P; ∫ and ƒ as f; £ as L, ⌈⌉⌊⌋ as brackets), so that the bench's characters stay unseen.
 */
export const NON_DIGIT_CHARS = {
  train: [
    ...'ACDEHKMNRUVXYacdehkmnruvx',
    ...'#&*@+=?$~<>%():;',
    ...'ΔΞΠΣΦΨΩαηκμξπφχψ',
    ...'ДЖИЛЦШЩЪЫЮЯжиклмнптфцшщъыюя',
    ...'∀∇∈√∞≈≠≤≥±÷×•△☆★♠♣♥♦✓✗→←↔©®™€¥¿¬',
  ],
  heldOut: [...'FLPWfptwy', ...'{}[]^'],
} as const;

/**
 * Characters in neither part: those a person reads as a digit (a ring such as ° or ○ is a 0), and near copies of
 * the held-out characters (named in NON_DIGIT_CHARS's comment). fontGlyphChars() leaves out every character whose
 * base letter is one of these.
 */
export const NOT_TRAINED_CHARS: readonly string[] = [
  ...NON_DIGIT_CHARS.heldOut,
  ...'OoQIiJjl|!ZzSsbGBgqT',
  ...'ЗЭЧБбвдβδσ∃Θ◊',
  ...'РрρуγλωτΛ∧↑Гг¶∫ƒ£⌈⌉⌊⌋',
  ...'°∘○◌◦◯⚪⚬',
];

/**
 * Unicode blocks whose letters, symbols and punctuation serve as things that are not digits: Latin (with its
 * extensions and IPA), Greek, Cyrillic, Armenian, Hebrew, Georgian, Canadian syllabics, Tifinagh, punctuation,
 * currency, letterlike symbols, arrows, mathematical and technical symbols, box drawing, shapes, dingbats.
 */
export const GLYPH_BLOCKS: readonly (readonly [number, number])[] = [
  [0x21, 0x7e],
  [0xa1, 0x2af],
  [0x370, 0x52f],
  [0x531, 0x58a],
  [0x5d0, 0x5ea],
  [0x10a0, 0x10ff],
  [0x1401, 0x167f],
  [0x2010, 0x205e],
  [0x20a0, 0x20bf],
  [0x2100, 0x214f],
  [0x2190, 0x23ff],
  [0x2500, 0x27bf],
  [0x2c60, 0x2c7f],
  [0x2d30, 0x2d7f],
  [0xa720, 0xa7ff],
];

/**
 * Every character of GLYPH_BLOCKS that a font has (`codePoints`: fontCodePoints() of its file) and that is a
 * letter, symbol or punctuation mark, leaving out numbers, combining marks, and any character whose base letter
 * (accents removed) is in NOT_TRAINED_CHARS: a training set of thousands of shapes where NON_DIGIT_CHARS.train
 * has 137, so that "not a digit" is learnt as a broad idea. Some of them still look like a digit or a held-out
 * character (Ʒ like 3, ꞁ like ]); whoever trains on them should drop those by how they look.
 */
export function fontGlyphChars(codePoints: ReadonlySet<number>): string[] {
  const out: string[] = [];
  for (const [first, last] of GLYPH_BLOCKS)
    for (let c = first; c <= last; c++) {
      if (!codePoints.has(c)) continue;
      const ch = String.fromCodePoint(c);
      if (!/^[\p{L}\p{S}\p{P}]$/u.test(ch)) continue;
      const base = ch.normalize('NFD').replace(/\p{M}/gu, '');
      if ([...base].some((b) => NOT_TRAINED.has(b) || /\p{N}/u.test(b))) continue;
      out.push(ch);
    }
  return out;
}
const NOT_TRAINED = new Set(NOT_TRAINED_CHARS);

/** Font faces for the letters: DejaVu (npm package dejavu-fonts-ttf or Debian's) trains, Liberation is held out. */
export const NON_DIGIT_FONTS: { train: readonly PrintedFont[]; heldOut: readonly PrintedFont[] } = {
  train: [
    ['DejaVu Sans', 'DejaVuSans.ttf'],
    ['DejaVu Sans Bold', 'DejaVuSans-Bold.ttf'],
    ['DejaVu Sans Oblique', 'DejaVuSans-Oblique.ttf'],
    ['DejaVu Sans Bold Oblique', 'DejaVuSans-BoldOblique.ttf'],
    ['DejaVu Sans Condensed', 'DejaVuSansCondensed.ttf'],
    ['DejaVu Sans ExtraLight', 'DejaVuSans-ExtraLight.ttf'],
    ['DejaVu Serif', 'DejaVuSerif.ttf'],
    ['DejaVu Serif Bold', 'DejaVuSerif-Bold.ttf'],
    ['DejaVu Serif Italic', 'DejaVuSerif-Italic.ttf'],
    ['DejaVu Serif Condensed', 'DejaVuSerifCondensed.ttf'],
    ['DejaVu Sans Mono', 'DejaVuSansMono.ttf'],
    ['DejaVu Sans Mono Bold Oblique', 'DejaVuSansMono-BoldOblique.ttf'],
  ].map(([name, file]) => ({ name, file })),
  heldOut: [
    ['Liberation Sans', 'LiberationSans-Regular.ttf'],
    ['Liberation Sans Bold', 'LiberationSans-Bold.ttf'],
    ['Liberation Sans Italic', 'LiberationSans-Italic.ttf'],
    ['Liberation Sans Narrow', 'LiberationSansNarrow-Regular.ttf'],
    ['Liberation Serif', 'LiberationSerif-Regular.ttf'],
    ['Liberation Serif Bold Italic', 'LiberationSerif-BoldItalic.ttf'],
    ['Liberation Mono', 'LiberationMono-Regular.ttf'],
    ['Liberation Mono Bold', 'LiberationMono-Bold.ttf'],
  ].map(([name, file]) => ({ name, file })),
};

/** The fonts of one part whose files are on this machine. */
export function nonDigitFonts(part: 'train' | 'heldOut'): ReturnType<typeof installedFonts> {
  return installedFonts(NON_DIGIT_FONTS[part]);
}

/** Pen marks that are not digits. (No lone upright stroke: that is a 1; no closed oval: that is a 0.) */
export const MARK_KINDS = [
  'scribble',
  'dash',
  'cross',
  'hash',
  'star',
  'zigzag',
  'wave',
  'arrow',
  'tick',
  'triangle',
  'box',
  'smudge',
  'dots',
] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

type Point = [number, number];

/** The polylines of a mark in the unit square (y down), before the pen draws them. */
function markPaths(kind: MarkKind, random: () => number): Point[][] {
  const between = (a: number, b: number) => a + (b - a) * random();
  const jitter = (p: Point, j = 0.04): Point => [p[0] + between(-j, j), p[1] + between(-j, j)];
  const line = (a: Point, b: Point, steps = 6): Point[] =>
    Array.from({ length: steps + 1 }, (_, i) =>
      jitter([a[0] + ((b[0] - a[0]) * i) / steps, a[1] + ((b[1] - a[1]) * i) / steps], 0.01),
    );
  switch (kind) {
    case 'scribble': {
      // A tangle: a wandering curve with momentum, several turns.
      const pts: Point[] = [];
      let [x, y] = [between(0.3, 0.7), between(0.3, 0.7)];
      let angle = between(0, Math.PI * 2);
      const turn = between(0.3, 0.9) * (random() < 0.5 ? -1 : 1);
      for (let i = 0; i < 40; i++) {
        angle += turn + between(-0.6, 0.6);
        x = Math.min(0.95, Math.max(0.05, x + Math.cos(angle) * 0.08));
        y = Math.min(0.95, Math.max(0.05, y + Math.sin(angle) * 0.08));
        pts.push([x, y]);
      }
      return [pts];
    }
    case 'dash': {
      // A dash or underline: within 30° of horizontal.
      const a = between(-0.5, 0.5);
      const half = between(0.25, 0.45);
      return [
        line(
          [0.5 - half * Math.cos(a), 0.5 - half * Math.sin(a)],
          [0.5 + half * Math.cos(a), 0.5 + half * Math.sin(a)],
        ),
      ];
    }
    case 'cross': {
      const r = between(-0.3, 0.3) + (random() < 0.5 ? 0 : Math.PI / 4);
      const arm = (t: number): Point[] =>
        line([0.5 - 0.4 * Math.cos(t), 0.5 - 0.4 * Math.sin(t)], [0.5 + 0.4 * Math.cos(t), 0.5 + 0.4 * Math.sin(t)]);
      return [arm(r), arm(r + Math.PI / 2 + between(-0.2, 0.2))];
    }
    case 'hash': {
      const s = between(-0.15, 0.15);
      return [
        line([0.35 + s, 0.1], [0.3 - s, 0.9]),
        line([0.65 + s, 0.1], [0.6 - s, 0.9]),
        line([0.1, 0.35], [0.9, 0.35]),
        line([0.1, 0.65], [0.9, 0.65]),
      ];
    }
    case 'star': {
      const n = 3 + Math.floor(random() * 3);
      const r0 = between(0, Math.PI);
      return Array.from({ length: n }, (_, i) => {
        const t = r0 + (i * Math.PI) / n;
        return line(
          [0.5 - 0.42 * Math.cos(t), 0.5 - 0.42 * Math.sin(t)],
          [0.5 + 0.42 * Math.cos(t), 0.5 + 0.42 * Math.sin(t)],
        );
      });
    }
    case 'zigzag': {
      const teeth = 3 + Math.floor(random() * 4);
      const h = between(0.15, 0.35);
      return [
        Array.from({ length: teeth * 2 + 1 }, (_, i) =>
          jitter([0.05 + (0.9 * i) / (teeth * 2), 0.5 + (i % 2 ? h : -h)]),
        ),
      ];
    }
    case 'wave': {
      const cycles = between(1.2, 3);
      const h = between(0.08, 0.25);
      return [
        Array.from(
          { length: 40 },
          (_, i) => [0.05 + (0.9 * i) / 39, 0.5 + h * Math.sin((i / 39) * cycles * 2 * Math.PI)] as Point,
        ),
      ];
    }
    case 'arrow': {
      const t = between(-0.4, 0.4) + (random() < 0.5 ? 0 : Math.PI);
      const tip: Point = [0.5 + 0.42 * Math.cos(t), 0.5 + 0.42 * Math.sin(t)];
      const tail: Point = [0.5 - 0.42 * Math.cos(t), 0.5 - 0.42 * Math.sin(t)];
      const head = (d: number): Point[] =>
        line(tip, [tip[0] - 0.25 * Math.cos(t + d), tip[1] - 0.25 * Math.sin(t + d)], 3);
      return [line(tail, tip), head(0.5), head(-0.5)];
    }
    case 'tick': {
      const low: Point = [between(0.3, 0.45), between(0.75, 0.9)];
      return [[jitter([0.1, between(0.45, 0.6)]), low, jitter([0.9, between(0.05, 0.2)])]];
    }
    case 'triangle': {
      const a: Point[] = [jitter([0.5, 0.08]), jitter([0.92, 0.88]), jitter([0.08, 0.88])];
      return [[...line(a[0], a[1]), ...line(a[1], a[2]), ...line(a[2], a[0])]];
    }
    case 'box': {
      // Wider than tall, so that it is no 0.
      const h = between(0.2, 0.35);
      const c: Point[] = [
        jitter([0.05, 0.5 - h]),
        jitter([0.95, 0.5 - h]),
        jitter([0.95, 0.5 + h]),
        jitter([0.05, 0.5 + h]),
      ];
      return [[...line(c[0], c[1]), ...line(c[1], c[2]), ...line(c[2], c[3]), ...line(c[3], c[0])]];
    }
    case 'dots': {
      const n = 2 + Math.floor(random() * 4);
      return Array.from({ length: n }, () => {
        const p: Point = [between(0.1, 0.9), between(0.1, 0.9)];
        return [p, [p[0] + 0.01, p[1]]];
      });
    }
    case 'smudge':
      return []; // filled, below
  }
}

/** A picture a pen draws in: the field, its coverage, the pen, and the map from the unit square with a hand's variation. */
interface PenField {
  full: number;
  size: number;
  cover: Float32Array;
  pen: number;
  at: (p: Point) => Point;
}

/** A `size`-px field (default 64) with a margin for a pen of `pen` px (default 2–8), and a random aspect and slant. */
function penField(random: () => number, options: { size?: number; pen?: number }): PenField {
  const size = options.size ?? 64;
  const pen = options.pen ?? 2 + random() * 6;
  const margin = Math.ceil(pen) + 4;
  const full = size + 2 * margin;
  // A random aspect and slant, as hands vary.
  const sx = 0.7 + random() * 0.3;
  const sy = 0.7 + random() * 0.3;
  const slant = (random() - 0.5) * 0.4;
  const at = ([u, v]: Point): Point => [
    margin + size * (0.5 + (u - 0.5) * sx + slant * (v - 0.5)),
    margin + size * (0.5 + (v - 0.5) * sy),
  ];
  return { full, size, cover: new Float32Array(full * full), pen, at };
}

/** Draws a polyline of the unit square into the field, segment by segment. */
function drawPath(f: PenField, path: readonly Point[]): void {
  for (let i = 1; i < path.length; i++)
    stroke(f.cover, f.full, f.full, [...f.at(path[i - 1]), ...f.at(path[i])], f.pen);
}

/** A picture drawn with a pen: gray pixels, dark ink on white paper. */
export interface PenPicture {
  width: number;
  height: number;
  channels: 1;
  data: Uint8Array;
}

/** The field as dark ink on white paper. */
function onPaper(f: PenField): PenPicture {
  const data = Uint8Array.from(f.cover, (c) => Math.round(245 - c * (245 - 25)));
  return { width: f.full, height: f.full, channels: 1, data };
}

/**
 * One mark of `kind`, drawn with a pen of `pen` px (default 2–8 at random) in a `size`-px field (default 64),
 * dark ink on white paper with a margin, like a drawing or a scanned mark.
 */
export function drawnMark(seed: number, kind: MarkKind, options: { size?: number; pen?: number } = {}): PenPicture {
  const random = seededRandom(seed);
  const f = penField(random, options);
  const { full, size, cover } = f;
  if (kind === 'smudge') {
    const rx = size * (0.2 + random() * 0.25);
    const ry = size * (0.12 + random() * 0.2);
    const t = random() * Math.PI;
    const [cx, cy] = [full / 2, full / 2];
    for (let y = 0; y < full; y++)
      for (let x = 0; x < full; x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const u = (dx * Math.cos(t) + dy * Math.sin(t)) / rx;
        const v = (-dx * Math.sin(t) + dy * Math.cos(t)) / ry;
        cover[y * full + x] = Math.min(1, Math.max(0, (1 - Math.hypot(u, v)) * 4));
      }
  } else for (const path of markPaths(kind, random)) drawPath(f, path);
  return onPaper(f);
}

/**
 * Training characters (all in NON_DIGIT_CHARS.train) as a hand writes them: strokes in the unit square, y down;
 * lower-case letters sit on the line with their body from 0.4 to 1. Printed type alone taught the verifier that
 * crisp glyphs are letters; these teach it that a pen's letters are no digits either.
 */
export const DRAWN_CHARS: Readonly<Record<string, readonly Point[][]>> = {
  A: [
    [
      [0.2, 1],
      [0.5, 0],
      [0.8, 1],
    ],
    [
      [0.32, 0.6],
      [0.68, 0.6],
    ],
  ],
  C: [arc(0.52, 0.5, 0.3, 0.48, -45, -315)],
  D: [
    [
      [0.25, 0],
      [0.25, 1],
    ],
    [[0.25, 0], [0.4, 0], ...arc(0.4, 0.5, 0.35, 0.5, -90, 90), [0.25, 1]],
  ],
  E: [
    [
      [0.75, 0],
      [0.25, 0],
      [0.25, 1],
      [0.75, 1],
    ],
    [
      [0.25, 0.5],
      [0.65, 0.5],
    ],
  ],
  H: [
    [
      [0.25, 0],
      [0.25, 1],
    ],
    [
      [0.75, 0],
      [0.75, 1],
    ],
    [
      [0.25, 0.5],
      [0.75, 0.5],
    ],
  ],
  K: [
    [
      [0.25, 0],
      [0.25, 1],
    ],
    [
      [0.75, 0],
      [0.25, 0.55],
    ],
    [
      [0.4, 0.42],
      [0.78, 1],
    ],
  ],
  M: [
    [
      [0.15, 1],
      [0.2, 0],
      [0.5, 0.6],
      [0.8, 0],
      [0.85, 1],
    ],
  ],
  N: [
    [
      [0.25, 1],
      [0.25, 0],
      [0.75, 1],
      [0.75, 0],
    ],
  ],
  R: [
    [[0.25, 1], [0.25, 0], [0.45, 0], ...arc(0.45, 0.25, 0.28, 0.25, -90, 90), [0.25, 0.5]],
    [
      [0.45, 0.5],
      [0.78, 1],
    ],
  ],
  U: [[[0.22, 0], [0.22, 0.65], ...arc(0.5, 0.65, 0.28, 0.35, 180, 0), [0.78, 0]]],
  V: [
    [
      [0.2, 0],
      [0.5, 1],
      [0.8, 0],
    ],
  ],
  X: [
    [
      [0.2, 0],
      [0.8, 1],
    ],
    [
      [0.8, 0],
      [0.2, 1],
    ],
  ],
  Y: [
    [
      [0.2, 0],
      [0.5, 0.5],
      [0.8, 0],
    ],
    [
      [0.5, 0.5],
      [0.5, 1],
    ],
  ],
  c: [arc(0.5, 0.7, 0.25, 0.3, -45, -315)],
  e: [[[0.28, 0.7], [0.72, 0.7], ...arc(0.5, 0.7, 0.22, 0.3, 0, -300)]],
  h: [
    [
      [0.25, 0],
      [0.25, 1],
    ],
    [[0.25, 0.65], ...arc(0.5, 0.65, 0.25, 0.22, 180, 360), [0.75, 1]],
  ],
  k: [
    [
      [0.25, 0],
      [0.25, 1],
    ],
    [
      [0.7, 0.4],
      [0.25, 0.72],
      [0.72, 1],
    ],
  ],
  m: [
    [
      [0.15, 1],
      [0.15, 0.42],
    ],
    [[0.15, 0.6], ...arc(0.32, 0.6, 0.17, 0.16, 180, 360), [0.49, 1]],
    [[0.49, 0.6], ...arc(0.66, 0.6, 0.17, 0.16, 180, 360), [0.83, 1]],
  ],
  n: [
    [
      [0.25, 1],
      [0.25, 0.42],
    ],
    [[0.25, 0.62], ...arc(0.5, 0.62, 0.25, 0.2, 180, 360), [0.75, 1]],
  ],
  r: [
    [
      [0.3, 1],
      [0.3, 0.42],
    ],
    [[0.3, 0.62], ...arc(0.55, 0.62, 0.25, 0.2, 180, 300)],
  ],
  u: [
    [[0.25, 0.42], [0.25, 0.78], ...arc(0.5, 0.78, 0.25, 0.22, 180, 0), [0.75, 0.42]],
    [
      [0.75, 0.42],
      [0.75, 1],
    ],
  ],
  v: [
    [
      [0.22, 0.42],
      [0.5, 1],
      [0.78, 0.42],
    ],
  ],
  x: [
    [
      [0.25, 0.42],
      [0.75, 1],
    ],
    [
      [0.75, 0.42],
      [0.25, 1],
    ],
  ],
  '=': [
    [
      [0.2, 0.38],
      [0.8, 0.38],
    ],
    [
      [0.2, 0.62],
      [0.8, 0.62],
    ],
  ],
  '?': [
    [...arc(0.5, 0.28, 0.25, 0.25, -170, 60), [0.5, 0.72]],
    [
      [0.5, 0.93],
      [0.51, 0.93],
    ],
  ],
  '<': [
    [
      [0.8, 0.15],
      [0.2, 0.5],
      [0.8, 0.85],
    ],
  ],
  '>': [
    [
      [0.2, 0.15],
      [0.8, 0.5],
      [0.2, 0.85],
    ],
  ],
  '%': [
    [
      [0.8, 0.05],
      [0.2, 0.95],
    ],
    arc(0.3, 0.22, 0.12, 0.14, 0, 360),
    arc(0.7, 0.78, 0.12, 0.14, 0, 360),
  ],
  '(': [arc(0.85, 0.5, 0.45, 0.52, -130, -230)],
  ')': [arc(0.15, 0.5, 0.45, 0.52, -50, 50)],
  И: [
    [
      [0.25, 0],
      [0.25, 1],
      [0.75, 0],
      [0.75, 1],
    ],
  ],
  Ж: [
    [
      [0.5, 0],
      [0.5, 1],
    ],
    [
      [0.15, 0],
      [0.5, 0.5],
      [0.15, 1],
    ],
    [
      [0.85, 0],
      [0.5, 0.5],
      [0.85, 1],
    ],
  ],
  Φ: [
    [
      [0.5, 0],
      [0.5, 1],
    ],
    arc(0.5, 0.5, 0.35, 0.25, 0, 360),
  ],
  π: [
    [
      [0.15, 0.45],
      [0.85, 0.42],
    ],
    [
      [0.35, 0.45],
      [0.3, 1],
    ],
    [
      [0.65, 0.45],
      [0.7, 1],
    ],
  ],
  '√': [
    [
      [0.1, 0.6],
      [0.3, 1],
      [0.55, 0],
      [0.95, 0],
    ],
  ],
  '∞': [arc(0.3, 0.5, 0.2, 0.18, 0, 360), arc(0.7, 0.5, 0.2, 0.18, 180, 540)],
  '≠': [
    [
      [0.2, 0.38],
      [0.8, 0.38],
    ],
    [
      [0.2, 0.62],
      [0.8, 0.62],
    ],
    [
      [0.7, 0.1],
      [0.3, 0.9],
    ],
  ],
  '±': [
    [
      [0.5, 0.1],
      [0.5, 0.65],
    ],
    [
      [0.2, 0.38],
      [0.8, 0.38],
    ],
    [
      [0.2, 0.9],
      [0.8, 0.9],
    ],
  ],
  '÷': [
    [
      [0.15, 0.5],
      [0.85, 0.5],
    ],
    [
      [0.5, 0.2],
      [0.51, 0.2],
    ],
    [
      [0.5, 0.8],
      [0.51, 0.8],
    ],
  ],
};

/**
 * One training character of DRAWN_CHARS written with a pen of `pen` px (default 2–8 at random) in a `size`-px
 * field (default 64), each point moved a little as a hand does: dark ink on white paper with a margin.
 */
export function drawnChar(seed: number, char: string, options: { size?: number; pen?: number } = {}): PenPicture {
  const paths = DRAWN_CHARS[char];
  if (!paths) throw new RangeError(`no drawn strokes for ${JSON.stringify(char)}`);
  const random = seededRandom(seed);
  const f = penField(random, options);
  // A smooth wobble per stroke (a per-point jitter would draw a jagged line).
  for (const path of paths) {
    const [ax, ay, px, py] = [random() * 0.03, random() * 0.03, random() * 7, random() * 7];
    drawPath(
      f,
      path.map(([u, v]): Point => [u + ax * Math.sin(5 * v + px), v + ay * Math.sin(5 * u + py)]),
    );
  }
  return onPaper(f);
}
