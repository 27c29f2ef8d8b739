/** What a request carries and how it can be wrong: typed errors with an HTTP status, and JSON pixels. */
import type { RawImage } from '../vision/preprocess.js';

/** A request the client got wrong: its HTTP status and a stable code. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSON {pixels: [[…], …]} (rows of 0–255, light or dark ink) as a gray image. */
export function pixelsFromJson(body: unknown, maxPixels: number): RawImage {
  const rows = (body as { pixels?: unknown } | null)?.pixels;
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0]))
    throw new RequestError(400, 'E_BAD_JSON', 'expected {"pixels": [[...], ...]}, rows of gray levels 0–255');
  const height = rows.length;
  const width = (rows[0] as unknown[]).length;
  if (width === 0 || width * height > maxPixels)
    throw new RequestError(width === 0 ? 400 : 413, 'E_BAD_JSON', `pixels must be 1 to ${maxPixels} values`);
  const data = new Uint8Array(width * height);
  rows.forEach((row, y) => {
    if (!Array.isArray(row) || row.length !== width)
      throw new RequestError(400, 'E_BAD_JSON', `pixels row ${y} must have ${width} values like row 0`);
    row.forEach((v, x) => {
      if (typeof v !== 'number' || !(v >= 0 && v <= 255))
        throw new RequestError(400, 'E_BAD_JSON', `pixels[${y}][${x}] must be a number in 0–255`);
      data[y * width + x] = Math.round(v);
    });
  });
  return { width, height, channels: 1, data };
}
