import type { Rng } from './rng.js';

/** Keras's GlorotUniform: U(−l, l) with l = √(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, out: Float32Array, fanIn: number, fanOut: number): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() * 2 - 1) * limit;
}

/** Keras's HeUniform: U(−l, l) with l = √(6 / fanIn). */
export function heUniform(rng: Rng, out: Float32Array, fanIn: number): void {
  const limit = Math.sqrt(6 / fanIn);
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() * 2 - 1) * limit;
}

/**
 * Keras's HeNormal: a normal truncated at two standard deviations, with σ = √(2 / fanIn) / 0.8796 so that the
 * truncated distribution has variance 2 / fanIn (VarianceScaling with "truncated_normal").
 */
export function heNormal(rng: Rng, out: Float32Array, fanIn: number): void {
  const sigma = Math.sqrt(2 / fanIn) / 0.87962566103423978;
  for (let i = 0; i < out.length; i++) {
    let z: number;
    do {
      // Box–Muller; 1 − u keeps the logarithm finite.
      z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    } while (Math.abs(z) > 2);
    out[i] = z * sigma;
  }
}

export type KernelInitializer = 'glorot_uniform' | 'he_uniform' | 'he_normal';
export const KERNEL_INITIALIZERS: readonly KernelInitializer[] = ['glorot_uniform', 'he_uniform', 'he_normal'];

/** Fills a kernel by name; Keras's class names for the config are in `initializerClass`. */
export function initKernel(name: KernelInitializer, rng: Rng, out: Float32Array, fanIn: number, fanOut: number): void {
  if (name === 'he_uniform') heUniform(rng, out, fanIn);
  else if (name === 'he_normal') heNormal(rng, out, fanIn);
  else glorotUniform(rng, out, fanIn, fanOut);
}

export function initializerClass(name: KernelInitializer): string {
  return { glorot_uniform: 'GlorotUniform', he_uniform: 'HeUniform', he_normal: 'HeNormal' }[name];
}
