import { describe, expect, it } from 'vitest';
import { frameLevel, inkIsDark } from '../../src/vision/polarity.js';

/** A w×h image of `paper` with a filled disc of `ink` of radius r in the middle. */
function disc(w: number, h: number, r: number, paper: number, ink: number): Uint8Array {
  const d = new Uint8Array(w * h).fill(paper);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if (Math.hypot(x - w / 2 + 0.5, y - h / 2 + 0.5) < r) d[y * w + x] = ink;
  return d;
}

describe('polarity from the paper', () => {
  it("the frame's median is the paper's level, even where a thick digit fills most of the picture", () => {
    // A disc covering 70 % of a 16×16 crop: the median is ink, the frame is paper.
    const d = disc(16, 16, 7.5, 250, 10);
    expect(d.filter((v) => v === 10).length).toBeGreaterThan(0.6 * 256);
    expect(frameLevel(d, 16, 16)).toBe(250);
    expect(inkIsDark(d, frameLevel(d, 16, 16))).toBe(true);
  });

  it('dark ink on grey paper is dark ink; light ink on dark paper is not', () => {
    const grey = disc(40, 40, 6, 110, 30); // grey paper, darker than mid-grey
    expect(inkIsDark(grey, frameLevel(grey, 40, 40))).toBe(true);
    const chalk = disc(40, 40, 6, 60, 200);
    expect(inkIsDark(chalk, frameLevel(chalk, 40, 40))).toBe(false);
  });

  it("the paper's own texture is not ink: faint variations either way are ignored", () => {
    const d = disc(40, 40, 4, 200, 60);
    for (let i = 0; i < d.length; i += 3) if (d[i] === 200) d[i] = 210; // lighter texture, within the noise band
    expect(inkIsDark(d, 200)).toBe(true);
    expect(frameLevel(d, 40, 40, 2)).toBe(200);
  });
});
