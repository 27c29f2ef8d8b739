/**
 * What `recognize` accepts as an image, and how it becomes pixels: raw pixel objects (RawImage, or a browser
 * ImageData-like {width, height, data} with 4 channels) pass through; a canvas (HTMLCanvasElement,
 * OffscreenCanvas) gives its ImageData; a Blob or ArrayBuffer is read as encoded bytes; in Node, a file path or
 * encoded bytes (PNG, JPEG, WebP, GIF, TIFF, AVIF…) are decoded by sharp, turned upright by their EXIF orientation.
 */
import { DigitsError } from '../errors.js';
import type { RawImage } from './preprocess.js';

/** ImageData and anything shaped like it (RGBA bytes). */
export interface ImageDataLike {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/** A canvas: anything with a 2-D context that hands out its ImageData. */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): ImageDataLike } | null;
}

export type ImageInput = string | Uint8Array | ArrayBuffer | Blob | RawImage | ImageDataLike | CanvasLike;

/** Images larger than this many pixels are refused before decoding (a 100-megapixel photo is plenty). */
export const MAX_IMAGE_PIXELS = 100_000_000;

export class ImageFormatError extends DigitsError {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`, 'E_IMAGE');
  }
}

const SHARP = 'sharp';
const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

/** Encoded bytes (or a URL) decoded by the browser itself: createImageBitmap, then an OffscreenCanvas. */
async function decodeInBrowser(input: string | Uint8Array, source: string, maxPixels: number): Promise<RawImage> {
  let blob: Blob;
  if (typeof input === 'string') {
    const res = await fetch(input);
    if (!res.ok) throw new ImageFormatError(source, `cannot fetch (HTTP ${res.status})`);
    blob = await res.blob();
  } else blob = new Blob([input as Uint8Array<ArrayBuffer>]);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch (e) {
    throw new ImageFormatError(source, `not a readable image (${(e as Error).message})`);
  }
  if (bitmap.width * bitmap.height > maxPixels) {
    bitmap.close();
    throw new ImageTooLargeError(source, `more than ${maxPixels} pixels`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
  return { width, height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Canvas → its ImageData; Blob and ArrayBuffer → bytes; the rest as they are. */
async function pixelsOrBytes(input: ImageInput, name: string): Promise<string | Uint8Array | RawImage | ImageDataLike> {
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new Uint8Array(await input.arrayBuffer());
  if (typeof input === 'object' && 'getContext' in input) {
    const context = input.getContext('2d');
    if (!context) throw new ImageFormatError(name, 'the canvas has no 2-D context');
    return context.getImageData(0, 0, input.width, input.height);
  }
  return input as Exclude<ImageInput, Blob | ArrayBuffer | CanvasLike>; // (Blob may not exist: no narrowing)
}

/** An image with more pixels than allowed (refused from its header, before decoding). */
export class ImageTooLargeError extends ImageFormatError {}

/** Pixels of an image input; `name` names it in errors. At most `maxPixels` (default MAX_IMAGE_PIXELS). */
export async function decodeImage(
  image: ImageInput,
  name = 'image',
  { maxPixels = MAX_IMAGE_PIXELS }: { maxPixels?: number } = {},
): Promise<RawImage> {
  const input = await pixelsOrBytes(image, name);
  const tooLarge = () =>
    new ImageTooLargeError(typeof input === 'string' ? input : name, `more than ${maxPixels} pixels`);
  if (typeof input === 'object' && !(input instanceof Uint8Array)) {
    if (input.width * input.height > maxPixels) throw tooLarge();
    const channels = 'channels' in input ? input.channels : 4;
    if (input.data.length < input.width * input.height * channels)
      throw new ImageFormatError(name, `pixel data too short for ${input.width}×${input.height}×${channels}`);
    return { width: input.width, height: input.height, channels, data: input.data };
  }
  const source = typeof input === 'string' ? input : name;
  if (!isNode()) return decodeInBrowser(input, source, maxPixels);
  // Named through a constant so that bundlers building for browsers do not try to include sharp.
  const { default: sharp } = (await import(/* @vite-ignore */ SHARP)) as typeof import('sharp');
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels })
      .rotate()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      channels: info.channels as RawImage['channels'],
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (e) {
    const message = (e as Error).message;
    if (/pixel limit/i.test(message)) throw tooLarge();
    if (typeof input === 'string' && /missing|no such file/i.test(message))
      throw new ImageFormatError(source, 'no such file');
    throw new ImageFormatError(source, `not a readable image (${message.split('\n')[0]})`);
  }
}
