/**
 * The image morphology kernels in WebAssembly SIMD (assembly/morphology.ts): maximum and minimum filters along
 * rows or columns, on byte images copied into the module's own memory. Instantiated synchronously on first use
 * (the module is a few kilobytes, compiled into morphology-wasm.ts by the build); where WebAssembly SIMD is
 * missing, or DIGITS_MORPHOLOGY=js, `morphologyKernels()` is null and callers use their TypeScript reference.
 */
import { MORPHOLOGY_WASM } from './morphology-wasm.js';

interface MorphologyExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  filterColumns(
    src: number,
    out: number,
    width: number,
    height: number,
    r: number,
    max: boolean,
    g: number,
    h: number,
  ): void;
  filterRows(
    src: number,
    out: number,
    width: number,
    height: number,
    r: number,
    max: boolean,
    t: number,
    u: number,
    g: number,
    h: number,
  ): void;
}

/** One pass of a separable filter: the maximum (or minimum) over 2r + 1 pixels along rows or columns. */
export interface FilterPass {
  r: number;
  horizontal: boolean;
  max: boolean;
}

export interface MorphologyKernels {
  /** Applies the passes in turn to a width×height byte image; the result into `out` (which may be `src`). */
  filter(src: Uint8Array, out: Uint8Array, width: number, height: number, passes: readonly FilterPass[]): void;
}

let kernels: MorphologyKernels | null | undefined;

/** The kernels, or null where they cannot run (see the module comment). */
export function morphologyKernels(): MorphologyKernels | null {
  if (kernels === undefined) kernels = load();
  return kernels;
}

function load(): MorphologyKernels | null {
  if (typeof process !== 'undefined' && process.env?.DIGITS_MORPHOLOGY === 'js') return null;
  let exports: MorphologyExports;
  try {
    const bytes = Uint8Array.from(atob(MORPHOLOGY_WASM), (c) => c.charCodeAt(0));
    exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as MorphologyExports;
  } catch {
    return null; // no WebAssembly SIMD here
  }
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const base = align(exports.heapBase());
  return {
    filter(src, out, width, height, passes) {
      const n = width * height;
      // Block maxima from either end, each ceil((lines + 2r) / k) · k lines of `across` bytes (filterColumns).
      const blocks = (r: number, lines: number, across: number) => {
        const k = 2 * r + 1;
        return align(Math.ceil((lines + 2 * r) / k) * k * across);
      };
      // Two images (each pass reads one and writes the other), then the largest pass's working space: a pass along
      // rows works on the picture transposed, in two more images.
      let work = 0;
      for (const { r, horizontal } of passes)
        work = Math.max(work, horizontal ? 2 * align(n) + 2 * blocks(r, width, height) : 2 * blocks(r, height, width));
      const a = base;
      const b = a + align(n);
      const w = b + align(n);
      const needed = w + work;
      const { memory } = exports;
      if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
      new Uint8Array(memory.buffer, a, n).set(src);
      let from = a;
      let to = b;
      for (const { r, horizontal, max } of passes) {
        if (horizontal) {
          const m = blocks(r, width, height);
          const g = w + 2 * align(n);
          exports.filterRows(from, to, width, height, r, max, w, w + align(n), g, g + m);
        } else {
          const m = blocks(r, height, width);
          exports.filterColumns(from, to, width, height, r, max, w, w + m);
        }
        [from, to] = [to, from];
      }
      out.set(new Uint8Array(memory.buffer, from, n));
    },
  };
}
