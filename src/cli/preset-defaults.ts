import type { Command } from 'commander';
import type { PresetName } from '../nn/presets.js';

/**
 * How `digits train --model X` trains each preset when the flags (or --config) do not say otherwise: the
 * recipe the preset is known to do well with. Keys are train's option names.
 * - `cnn`: the 12 epochs of the Keras example.
 * - `cnn-best`: 27 epochs (20 minutes on 2 cores: 99.75 % with seed 1), light augmentation (±10°, ±10 % shift
 *   and zoom) as in the Kaggle kernels it comes from, and a cosine decay of Adam's rate to 1e-5.
 */
export const PRESET_TRAINING_DEFAULTS: Record<PresetName, Record<string, unknown>> = {
  mlp: {},
  'mlp-small': {},
  cnn: { epochs: 12 },
  'cnn-best': { epochs: 27, augment: 'light', schedule: 'cosine', minLr: 1e-5 },
};

/** Sets the preset's defaults on options still at their built-in default (or unset). */
export function applyPresetDefaults(command: Command, model: PresetName): void {
  for (const [name, value] of Object.entries(PRESET_TRAINING_DEFAULTS[model])) {
    const source = command.getOptionValueSource(name);
    if (source === undefined || source === 'default') command.setOptionValueWithSource(name, value, 'default');
  }
}
