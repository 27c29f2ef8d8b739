import type { Heap, Ptr } from './heap.js';

/**
 * A sliding window over channels-last images (convolution or pooling): input h×w×c, window kh×kw moved by
 * strides sh, sw, with `padTop`/`padLeft` cells of padding before the first row/column, giving oh×ow outputs.
 * Kernels read it from an i32 block in the heap (see `writeWindow`), in this field order.
 */
export interface Window {
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
  oh: number;
  ow: number;
  /**
   * Max pooling only, 1 when its input is a ReLU's output: windows whose maximum is 0 then route no gradient,
   * which is the ReLU's own backward, so the layer before need not run it (0 otherwise).
   */
  reluInput: number;
}

const FIELDS = ['h', 'w', 'c', 'kh', 'kw', 'sh', 'sw', 'padTop', 'padLeft', 'oh', 'ow', 'reluInput'] as const;
/** Bytes a window block takes in the heap. */
export const WINDOW_BYTES = 64;

/**
 * The window of a kernel size, stride and Keras padding over an h×w×c input. "valid": only full windows,
 * out = ⌊(in − k)/s⌋ + 1. "same": out = ⌈in/s⌉, padded with (total padding)/2 before (rounded down) as
 * TensorFlow pads.
 */
export function makeWindow(
  input: { h: number; w: number; c: number },
  kernel: [number, number],
  strides: [number, number],
  padding: 'valid' | 'same',
): Window {
  const [kh, kw] = kernel;
  const [sh, sw] = strides;
  const out = (n: number, k: number, s: number) =>
    padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
  const pad = (n: number, k: number, s: number, o: number) =>
    padding === 'same' ? Math.floor(Math.max(0, (o - 1) * s + k - n) / 2) : 0;
  const oh = out(input.h, kh, sh);
  const ow = out(input.w, kw, sw);
  return {
    ...input,
    kh,
    kw,
    sh,
    sw,
    padTop: pad(input.h, kh, sh, oh),
    padLeft: pad(input.w, kw, sw, ow),
    oh,
    ow,
    reluInput: 0,
  };
}

/** Allocates and fills a window block for the kernels. */
export function writeWindow(heap: Heap, w: Window): Ptr {
  const ptr = heap.alloc(WINDOW_BYTES);
  updateWindow(heap, ptr, w);
  return ptr;
}

/** Rewrites a window block in place (a layer's window changes after build). */
export function updateWindow(heap: Heap, ptr: Ptr, w: Window): void {
  const v = windowWords(heap, ptr);
  FIELDS.forEach((f, i) => (v[i] = w[f]));
}

/** Each field's word in a window block, for reading a few without reading it all back. */
export const WINDOW_WORD = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<keyof Window, number>;

/** A window block's words (index them with WINDOW_WORD). */
export function windowWords(heap: Heap, ptr: Ptr): Int32Array {
  return heap.i32(ptr, FIELDS.length);
}

/** Reads a window block back (the reference kernels use it). */
export function readWindow(heap: Heap, ptr: Ptr): Window {
  const v = windowWords(heap, ptr);
  return Object.fromEntries(FIELDS.map((f, i) => [f, v[i]])) as unknown as Window;
}
