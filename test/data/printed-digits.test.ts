import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_DIGIT_FONTS, installedFonts, printedDigits } from '../../src/data/printed-digits.js';
import { loadModelFile } from '../../src/io/model-file.js';
import { recognizeAll } from '../../src/vision/recognize.js';
import { fixture, hasShared } from '../helpers/fixtures.js';

/** The real Keras files and photos of ../shared/fixtures (skipped, saying so, where they are missing). */
const KERAS = hasShared('fixtures', 'keras');
import { tempDir } from '../helpers/formats.js';

describe('printed digits', () => {
  it('finds font files in the first directory that has them and leaves missing ones out', () => {
    const dir = tempDir('digits-fonts-');
    writeFileSync(join(dir, 'DejaVuSerif.ttf'), '');
    const found = installedFonts(DEBIAN_DIGIT_FONTS, ['/nonexistent', dir]);
    expect(found).toEqual([{ name: 'DejaVu Serif', file: 'DejaVuSerif.ttf', path: join(dir, 'DejaVuSerif.ttf') }]);
    // DejaVu at least is always there: Debian's, or the dev dependency's copy.
    expect(installedFonts().filter((f) => f.name.startsWith('DejaVu')).length).toBe(9);
  });

  it('renders 0–9 per font as dark type on white, about the size asked, different in each font', async () => {
    const fonts = installedFonts().filter((f) => f.name === 'DejaVu Sans' || f.name === 'DejaVu Serif Bold');
    const digits = await printedDigits(fonts, { size: 40 });
    expect(digits.map((d) => d.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const d of digits) {
      expect(d.data).toHaveLength(d.width * d.height);
      expect(d.data[0]).toBe(255); // paper in the corner
      let top = d.height;
      let bottom = -1;
      for (let y = 0; y < d.height; y++)
        for (let x = 0; x < d.width; x++)
          if (d.data[y * d.width + x] < 128) {
            top = Math.min(top, y);
            bottom = Math.max(bottom, y);
          }
      // Digits are about `size` tall (the 4 and 7 of some fonts a little less, none more than a few pixels over).
      expect(bottom - top + 1).toBeGreaterThan(30);
      expect(bottom - top + 1).toBeLessThan(48);
    }
    // Sans regular and serif bold are not the same picture.
    const area = (i: number) => digits[i].data.reduce((s, v) => s + (v < 128 ? 1 : 0), 0);
    expect(area(10 + 8)).toBeGreaterThan(area(8) * 1.3);
  });

  it.skipIf(!KERAS)('a convnet trained on MNIST reads them once preprocessed like MNIST', async () => {
    const fonts = installedFonts();
    const digits = await printedDigits(fonts);
    const { model } = await loadModelFile(fixture('keras/kiljaeden_mnist.h5'), { threads: 1 });
    try {
      const read = await recognizeAll(
        model,
        digits.map((d) => ({ width: d.width, height: d.height, channels: 1 as const, data: d.data })),
      );
      const right = read.filter((r, i) => r.label === digits[i].label).length;
      expect(right / digits.length).toBeGreaterThanOrEqual(0.97);
    } finally {
      await model.kernels.dispose();
    }
  });
});
