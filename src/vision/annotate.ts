/**
 * Draws detected digits on their image: a box around each and its label above it, as a PNG (sharp composites
 * an SVG overlay onto the decoded image, at the size it was decoded: a photo shrunk on load stays shrunk).
 */
import type { Detection } from './detect.js';
import { decodeImage, type ImageInput } from './image-input.js';

export async function annotate(image: ImageInput, detection: Detection): Promise<Buffer> {
  const raw = await decodeImage(image);
  const { default: sharp } = await import('sharp');
  const stroke = Math.max(2, Math.round(Math.min(raw.width, raw.height) / 150));
  const shapes = detection.digits.map((d) => {
    // (boxes are in the original's pixels; an image decoded smaller has `scale` of them per pixel)
    const [x, y, width, height] = [d.box.x, d.box.y, d.box.width, d.box.height].map((v) => v / raw.scale);
    const size = Math.max(12, Math.round(height * 0.35));
    const ty = y - stroke * 2 >= size ? y - stroke * 2 : y + height + size;
    return (
      `<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="none" stroke="#e6194b" stroke-width="${stroke}"/>` +
      `<text x="${x}" y="${ty}" font-family="DejaVu Sans, sans-serif" font-size="${size}" font-weight="bold" ` +
      `fill="#e6194b" stroke="#ffffff" stroke-width="${Math.max(1, size / 12)}" paint-order="stroke">${d.label}</text>`
    );
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${raw.width}" height="${raw.height}">${shapes.join('')}</svg>`;
  return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
