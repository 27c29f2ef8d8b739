/**
 * The dropout mask's random source: a counter-based hash (murmur3's 32-bit finalizer) of (seed, index).
 * Mirrors `hash32` in assembly/kernels.ts bit for bit, so any thread split and the reference agree.
 */
export function dropoutHash(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i, 0x9e3779b9)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) with 24 bits, as the kernels compute it. */
export function dropoutUniform(seed: number, i: number): number {
  return (dropoutHash(seed, i) >>> 8) / 16777216;
}
