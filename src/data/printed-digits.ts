/**
 * Printed digits as a test of how far a handwriting model carries: 0–9 rendered in the TrueType fonts Debian
 * provides (fonts-dejavu-core, fonts-liberation), as black type on white paper. Where Debian's DejaVu is not
 * installed, the same DejaVu 2.37 files from the npm package dejavu-fonts-ttf (a dev dependency) stand in.
 * Rendering is Pango's, through sharp; a font whose file is missing is left out rather than silently substituted.
 * Any other text prints the same way (printedTexts): the letters and symbols of non-digits.ts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface PrintedFont {
  /** Pango font description: family and style. */
  name: string;
  /** The font file's name. */
  file: string;
}

/** The Debian fonts tried: regular, bold and slanted faces of sans, serif, condensed and monospace families. */
export const DEBIAN_DIGIT_FONTS: readonly PrintedFont[] = [
  { name: 'DejaVu Sans', file: 'DejaVuSans.ttf' },
  { name: 'DejaVu Sans Bold', file: 'DejaVuSans-Bold.ttf' },
  { name: 'DejaVu Sans Oblique', file: 'DejaVuSans-Oblique.ttf' },
  { name: 'DejaVu Sans Condensed', file: 'DejaVuSansCondensed.ttf' },
  { name: 'DejaVu Serif', file: 'DejaVuSerif.ttf' },
  { name: 'DejaVu Serif Bold', file: 'DejaVuSerif-Bold.ttf' },
  { name: 'DejaVu Serif Italic', file: 'DejaVuSerif-Italic.ttf' },
  { name: 'DejaVu Sans Mono', file: 'DejaVuSansMono.ttf' },
  { name: 'DejaVu Sans Mono Bold', file: 'DejaVuSansMono-Bold.ttf' },
  { name: 'Liberation Sans', file: 'LiberationSans-Regular.ttf' },
  { name: 'Liberation Sans Bold', file: 'LiberationSans-Bold.ttf' },
  { name: 'Liberation Sans Italic', file: 'LiberationSans-Italic.ttf' },
  { name: 'Liberation Sans Narrow', file: 'LiberationSansNarrow-Regular.ttf' },
  { name: 'Liberation Serif', file: 'LiberationSerif-Regular.ttf' },
  { name: 'Liberation Serif Bold', file: 'LiberationSerif-Bold.ttf' },
  { name: 'Liberation Serif Italic', file: 'LiberationSerif-Italic.ttf' },
  { name: 'Liberation Mono', file: 'LiberationMono-Regular.ttf' },
  { name: 'Liberation Mono Bold', file: 'LiberationMono-Bold.ttf' },
];

/** Where font files are looked for, in order: Debian's directories, then the npm DejaVu package if present. */
export function fontDirectories(): string[] {
  const dirs = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/truetype/liberation'];
  try {
    const pkg = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json');
    dirs.push(join(dirname(pkg), 'ttf'));
  } catch {
    // not installed (a production install): Debian's fonts only
  }
  return dirs;
}

/** The fonts of the list whose files exist, each with the path found. */
export function installedFonts(
  fonts: readonly PrintedFont[] = DEBIAN_DIGIT_FONTS,
  dirs: readonly string[] = fontDirectories(),
): (PrintedFont & { path: string })[] {
  return fonts.flatMap((f) => {
    const dir = dirs.find((d) => existsSync(join(d, f.file)));
    return dir ? [{ ...f, path: join(dir, f.file) }] : [];
  });
}

export interface PrintedText {
  font: string;
  text: string;
  /** Gray pixels (one byte each, dark type on white, a margin around it). */
  width: number;
  height: number;
  data: Uint8Array;
}

export interface PrintedDigit extends Omit<PrintedText, 'text'> {
  label: number;
}

/** Each text in each font, its characters about `size` px tall (default 48), dark type on white with a margin. */
export async function printedTexts(
  fonts: readonly (PrintedFont & { path: string })[],
  texts: readonly string[],
  options: { size?: number } = {},
): Promise<PrintedText[]> {
  const { default: sharp } = await import('sharp');
  // Pango sizes text in points; at 72 dpi a point is a pixel, and a digit's ink is about 0.72 of the em.
  const points = Math.round((options.size ?? 48) / 0.72);
  const escape = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const out: PrintedText[] = [];
  for (const font of fonts)
    for (const text of texts) {
      const { data, info } = await sharp({
        text: {
          text: `<span foreground="black" size="${points}pt">${escape(text)}</span>`,
          font: font.name,
          fontfile: font.path,
          dpi: 72,
          rgba: true,
        },
      })
        .extend({ top: 12, bottom: 12, left: 12, right: 12, background: { r: 255, g: 255, b: 255, alpha: 1 } })
        .flatten({ background: '#ffffff' }) // (sharp flattens before it extends: the margin is opaque white itself)
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      out.push({
        font: font.name,
        text,
        width: info.width,
        height: info.height,
        data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
      });
    }
  return out;
}

/** The digits 0–9 in each font, about `size` px tall (default 48) on white, as a scanner would see them. */
export async function printedDigits(
  fonts: readonly (PrintedFont & { path: string })[],
  options: { size?: number } = {},
): Promise<PrintedDigit[]> {
  const digits = Array.from({ length: 10 }, (_, d) => String(d));
  return (await printedTexts(fonts, digits, options)).map(({ text, ...p }) => ({ ...p, label: Number(text) }));
}
