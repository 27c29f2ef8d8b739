/**
 * What `recognize` accepts as an image, and how it becomes pixels: raw pixel objects (RawImage, or a browser
 * ImageData-like {width, height, data} with 4 channels) pass through; a canvas (HTMLCanvasElement,
 * OffscreenCanvas) gives its ImageData; a Blob or ArrayBuffer is read as encoded bytes; in Node, a file path or
 * encoded bytes (PNG, JPEG, WebP, GIF, TIFF, AVIF…) are decoded by sharp, turned upright by their EXIF orientation.
 */
import { DigitsError } from '../errors.js';
import { isNode, nodeBuiltin } from '../kernels/node-builtin.js';
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

/** Pixels of an image as decoded: `scale` original pixels per pixel here (above 1 when `maxSide` shrank it). */
export interface DecodedImage extends RawImage {
  scale: number;
}

/** The integer factor that brings the longer side to at most `maxSide` (1 when it already is). */
export function shrinkFactor(width: number, height: number, maxSide: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / maxSide));
}

/** Encoded bytes (or a URL) decoded by the browser itself: createImageBitmap, then an OffscreenCanvas. */
async function decodeInBrowser(
  input: string | Uint8Array,
  source: string,
  maxPixels: number,
  maxSide: number,
): Promise<DecodedImage> {
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
  const scale = shrinkFactor(bitmap.width, bitmap.height, maxSide);
  const canvas = new OffscreenCanvas(Math.floor(bitmap.width / scale), Math.floor(bitmap.height / scale));
  const context = canvas.getContext('2d')!;
  context.imageSmoothingQuality = 'medium';
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
  return { width, height, channels: 4, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), scale };
}

/** What a PNG's header declares (for a clearer message when the decoder rejects it without saying why). */
function pngHeaderSize(bytes: Uint8Array): string | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || png.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 24);
  return `${view.getUint32(16)}×${view.getUint32(20)}`;
}

/** The first bytes of a file (null if it cannot be read). */
async function head(path: string): Promise<Uint8Array | null> {
  const { open } = await nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
  try {
    const file = await open(path);
    try {
      const { buffer, bytesRead } = await file.read(new Uint8Array(64), 0, 64, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
}

/** sharp's complaint as one readable line. */
function decodeFailure(message: string, bytes: Uint8Array | null): string {
  const line = message.split('\n')[0].trim();
  if (/corrupt header:?$/i.test(line)) {
    const size = bytes && pngHeaderSize(bytes);
    return size
      ? `corrupt PNG header (it declares ${size} pixels, beyond what the decoder accepts)`
      : 'corrupt header (the decoder gives no detail)';
  }
  return `not a readable image (${line})`;
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

export interface DecodeOptions {
  /** Refuse images with more pixels than this, from their header (default MAX_IMAGE_PIXELS). */
  maxPixels?: number;
  /**
   * Shrink encoded images on load by an integer factor so that the longer side is at most this (default: no
   * limit). A JPEG is then decoded at the smaller size directly, and no full-size copy is ever held, which bounds
   * memory and time whatever the file declares. Pixels given as such are not shrunk.
   */
  maxSide?: number;
}

/** Pixels of an image input; `name` names it in errors. */
export async function decodeImage(
  image: ImageInput,
  name = 'image',
  { maxPixels = MAX_IMAGE_PIXELS, maxSide = Infinity }: DecodeOptions = {},
): Promise<DecodedImage> {
  const input = await pixelsOrBytes(image, name);
  const tooLarge = () =>
    new ImageTooLargeError(typeof input === 'string' ? input : name, `more than ${maxPixels} pixels`);
  if (typeof input === 'object' && !(input instanceof Uint8Array)) {
    if (input.width * input.height > maxPixels) throw tooLarge();
    const channels = 'channels' in input ? input.channels : 4;
    if (input.data.length < input.width * input.height * channels)
      throw new ImageFormatError(name, `pixel data too short for ${input.width}×${input.height}×${channels}`);
    // (a DecodedImage given back keeps its scale: boxes found in it map to the original)
    const scale = 'scale' in input && typeof input.scale === 'number' ? input.scale : 1;
    return { width: input.width, height: input.height, channels, data: input.data, scale };
  }
  const source = typeof input === 'string' ? input : name;
  if (!isNode()) return decodeInBrowser(input, source, maxPixels, maxSide);
  // Named through a constant so that bundlers building for browsers do not try to include sharp.
  const { default: sharp } = (await import(/* @vite-ignore */ SHARP)) as typeof import('sharp');
  try {
    let scale = 1;
    const pipeline = sharp(input, { limitInputPixels: maxPixels }).rotate();
    if (Number.isFinite(maxSide)) {
      const { width = 0, height = 0, orientation = 1 } = await sharp(input, { limitInputPixels: maxPixels }).metadata();
      scale = shrinkFactor(width, height, maxSide);
      // The target size is the upright image's: EXIF orientations 5–8 turn it a quarter.
      const [w, h] = orientation >= 5 ? [height, width] : [width, height];
      if (scale > 1) pipeline.resize(Math.floor(w / scale), Math.floor(h / scale), { fit: 'fill' });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      channels: info.channels as RawImage['channels'],
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      scale,
    };
  } catch (e) {
    const message = (e as Error).message;
    if (/pixel limit/i.test(message)) throw tooLarge();
    if (typeof input === 'string' && /missing|no such file/i.test(message))
      throw new ImageFormatError(source, 'no such file');
    throw new ImageFormatError(source, decodeFailure(message, typeof input === 'string' ? await head(input) : input));
  }
}
