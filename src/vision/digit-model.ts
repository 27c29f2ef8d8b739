/** A model ready for recognize()/detect(), however it was loaded (Node file, bytes, or in a browser). */
import type { Sequential } from '../nn/sequential.js';
import type { ModelMetadata } from '../io/keras-h5-read.js';
import { DEFAULT_SCALE } from '../train/evaluate.js';

export interface DigitModel {
  /** The network; its layers, summary and weights are all here. */
  readonly network: Sequential;
  /** What the file says about training: recipe, history, test accuracy (null for files digits did not write). */
  readonly metadata: ModelMetadata | null;
  /** Pixels are fed as value · scale + shift (1/255 and 0 for everything digits trains). */
  readonly scale: number;
  readonly shift: number;
  /**
   * The segmentation verifier detect() reads lines with: given a candidate's digit view and its view at the
   * line's scale (28×56, pixels / 255), the probability that it is one whole digit (class 1) rather than a piece,
   * a pair or a smudge (class 0). Absent, detect() falls back to rules.
   */
  readonly verifier?: Sequential;
  /**
   * The digit judge recognize() and detect() tell digits from other things with: given the 28×28 view the
   * classifier reads (pixels / 255), the probability that it shows one digit (class 1) rather than a letter, a
   * symbol, a mark or several digits (class 0). Absent, only the verifier judges.
   */
  readonly judge?: Sequential;
  /** Stops the model's compute threads and frees its memory; the model cannot be used afterwards. */
  dispose(): Promise<void>;
}

/** The network and input scaling to use for a DigitModel or a bare network (scaled by 1/255). */
export function networkOf(
  model: DigitModel | Sequential,
  options: { scale?: number; shift?: number } = {},
): { network: Sequential; scale: number; shift: number } {
  const wrapped = 'network' in model;
  return {
    network: wrapped ? model.network : model,
    scale: options.scale ?? (wrapped ? model.scale : DEFAULT_SCALE),
    shift: options.shift ?? (wrapped ? model.shift : 0),
  };
}

/** The networks that help a digit model tell what is a digit (each optional). */
export interface DigitHelpers {
  verifier?: Sequential;
  judge?: Sequential;
}

/**
 * A DigitModel from a loaded network and its helpers: input scaling from `scaling`, else the file, else 1/255.
 */
export function digitModel(
  network: Sequential,
  metadata: ModelMetadata | null,
  { verifier, judge }: DigitHelpers,
  scaling: { scale?: number; shift?: number },
): DigitModel {
  return {
    network,
    metadata,
    scale: scaling.scale ?? metadata?.scale ?? DEFAULT_SCALE,
    shift: scaling.shift ?? metadata?.shift ?? 0,
    ...(verifier ? { verifier } : {}),
    ...(judge ? { judge } : {}),
    dispose: async () => {
      await network.kernels.dispose();
      await verifier?.kernels.dispose();
      await judge?.kernels.dispose();
    },
  };
}
