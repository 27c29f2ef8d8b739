import type { Rng } from './rng.js';

/** Keras's GlorotUniform: U(−l, l) with l = √(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, out: Float32Array, fanIn: number, fanOut: number): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() * 2 - 1) * limit;
}
