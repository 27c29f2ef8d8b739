import type { Rng } from './rng.js';

/**
 * Keras's named kernel initializers. Each is a VarianceScaling: weights of variance scale / n, n the fan-in, or
 * the mean of fan-in and fan-out, drawn uniform or from a normal truncated at two standard deviations.
 */
export const KERNEL_INITIALIZERS = [
  'glorot_uniform',
  'glorot_normal',
  'he_uniform',
  'he_normal',
  'lecun_uniform',
  'lecun_normal',
] as const;
export type KernelInitializer = (typeof KERNEL_INITIALIZERS)[number];

interface VarianceScaling {
  className: string;
  scale: number;
  mode: 'fan_in' | 'fan_avg';
  distribution: 'uniform' | 'truncated_normal';
}

const SCHEMES: Record<KernelInitializer, VarianceScaling> = {
  glorot_uniform: { className: 'GlorotUniform', scale: 1, mode: 'fan_avg', distribution: 'uniform' },
  glorot_normal: { className: 'GlorotNormal', scale: 1, mode: 'fan_avg', distribution: 'truncated_normal' },
  he_uniform: { className: 'HeUniform', scale: 2, mode: 'fan_in', distribution: 'uniform' },
  he_normal: { className: 'HeNormal', scale: 2, mode: 'fan_in', distribution: 'truncated_normal' },
  lecun_uniform: { className: 'LecunUniform', scale: 1, mode: 'fan_in', distribution: 'uniform' },
  lecun_normal: { className: 'LecunNormal', scale: 1, mode: 'fan_in', distribution: 'truncated_normal' },
};

/** The standard deviation of a standard normal truncated to [−2, 2] (Keras divides by it). */
const TRUNCATED_STD = 0.87962566103423978;

/** Fills a kernel with initializer `name` for a layer with `fanIn` inputs and `fanOut` outputs per weight. */
export function initKernel(name: KernelInitializer, rng: Rng, out: Float32Array, fanIn: number, fanOut: number): void {
  const { scale, mode, distribution } = SCHEMES[name];
  const n = mode === 'fan_in' ? fanIn : (fanIn + fanOut) / 2;
  if (distribution === 'uniform') {
    const limit = Math.sqrt((3 * scale) / n);
    for (let i = 0; i < out.length; i++) out[i] = (rng.next() * 2 - 1) * limit;
    return;
  }
  const sigma = Math.sqrt(scale / n) / TRUNCATED_STD;
  for (let i = 0; i < out.length; i++) {
    let z: number;
    do {
      // Box–Muller; 1 − u keeps the logarithm finite.
      z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    } while (Math.abs(z) > 2);
    out[i] = z * sigma;
  }
}

/** An initializer as a Keras layer config stores it (`kernel_initializer`). */
export function initializerConfig(name: KernelInitializer): { class_name: string; config: { seed: null } } {
  return { class_name: SCHEMES[name].className, config: { seed: null } };
}

/**
 * The initializer a Keras config names: a class ("HeNormal", with or without Keras 3's module), its snake-case
 * alias ("he_normal"), or a VarianceScaling whose settings are one of ours. Null for any other (RandomNormal,
 * Orthogonal, …) or an unreadable value; undefined when the config names none.
 */
export function initializerFromKeras(value: unknown): KernelInitializer | null | undefined {
  if (value === undefined || value === null) return undefined;
  const named = (s: string) =>
    KERNEL_INITIALIZERS.find((k) => k === s || SCHEMES[k].className === s || SCHEMES[k].className.toLowerCase() === s);
  if (typeof value === 'string') return named(value) ?? null;
  if (typeof value !== 'object') return null;
  const { class_name: cls, config } = value as { class_name?: unknown; config?: Record<string, unknown> };
  if (typeof cls !== 'string') return null;
  if (cls !== 'VarianceScaling') return named(cls) ?? null;
  const scale = config?.scale ?? 1;
  const mode = config?.mode ?? 'fan_in';
  // Keras accepts "normal" for "truncated_normal" (the TF 1 name).
  const distribution =
    config?.distribution === 'normal' ? 'truncated_normal' : (config?.distribution ?? 'truncated_normal');
  return (
    KERNEL_INITIALIZERS.find((k) => {
      const s = SCHEMES[k];
      return s.scale === scale && s.mode === mode && s.distribution === distribution;
    }) ?? null
  );
}
