import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFormatError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';
import type { Sequential } from '../nn/sequential.js';
import { loadKerasH5, saveKerasH5, type ModelMetadata } from './keras-h5.js';

/** The checkpoint file inside a checkpoint directory. */
export const CHECKPOINT_FILE = 'checkpoint.h5';
const ATTR = 'digits_checkpoint';

/** What a checkpoint holds besides weights and optimizer slots. */
export interface CheckpointData {
  /** The trainer's position (epoch, step, RNG states, partial sums, history); opaque to this module. */
  state: unknown;
  /** The recipe the run was started with, so --resume can check and reuse it. */
  recipe: Record<string, unknown>;
}

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/**
 * Saves model weights, optimizer state (slots and iteration count) and the trainer's state to
 * DIR/checkpoint.h5, atomically: a crash leaves the previous checkpoint intact. The file is a Keras HDF5
 * model too.
 */
export async function saveCheckpoint(
  model: Sequential,
  dir: string,
  data: CheckpointData,
  metadata?: ModelMetadata,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = checkpointPath(dir);
  await saveKerasH5(model, file, metadata, {
    includeOptimizer: true,
    attributes: { [ATTR]: { ...data, iterations: model.optimizer?.iterations ?? 0 } },
  });
  return file;
}

export interface LoadedCheckpoint extends CheckpointData {
  model: Sequential;
}

/** Loads DIR/checkpoint.h5: a compiled model with its optimizer state restored, and the trainer's state. */
export async function loadCheckpoint(dir: string, kernels: Kernels): Promise<LoadedCheckpoint> {
  const file = checkpointPath(dir);
  if (!existsSync(file)) throw new ModelFormatError(file, 'no checkpoint to resume from');
  const { model, attributes } = await loadKerasH5(file, kernels, { withOptimizer: true, attributes: [ATTR] });
  const c = attributes[ATTR] as (CheckpointData & { iterations?: number }) | undefined;
  if (!c || typeof c !== 'object' || !c.state || !c.recipe)
    throw new ModelFormatError(file, 'not a digits checkpoint (no training state)');
  model.optimizer!.iterations = Number(c.iterations ?? 0);
  return { model, state: c.state, recipe: c.recipe };
}
