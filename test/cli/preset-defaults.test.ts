import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { applyPresetDefaults } from '../../src/cli/preset-defaults.js';
import { registerTrain } from '../../src/cli/train.js';

/** The train command's options after parsing `args` and applying the chosen preset's defaults. */
function trainOptions(args: string[]): Record<string, unknown> {
  const program = new Command();
  registerTrain(program);
  const train = program.commands.find((c) => c.name() === 'train')!;
  train.parseOptions(args);
  applyPresetDefaults(train, train.opts().model);
  return train.opts();
}

describe('preset training defaults', () => {
  it('cnn-best trains 27 epochs with light augmentation and a cosine decay unless told otherwise', () => {
    expect(trainOptions(['--model', 'cnn-best'])).toMatchObject({
      epochs: 27,
      augment: 'light',
      schedule: 'cosine',
      minLr: 1e-5,
    });
    expect(
      trainOptions(['--model', 'cnn-best', '--epochs', '3', '--augment', 'none', '--schedule', 'step']),
    ).toMatchObject({
      epochs: 3,
      augment: 'none',
      schedule: 'step',
    });
  });

  it("cnn gets the Keras example's 12 epochs; the seed MLP keeps the global defaults", () => {
    expect(trainOptions(['--model', 'cnn']).epochs).toBe(12);
    expect(trainOptions([])).toMatchObject({ model: 'mlp', epochs: 10, schedule: 'constant' });
    expect(trainOptions([]).augment).toBeUndefined();
  });
});
