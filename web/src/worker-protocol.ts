// Messages between the page and the training worker.
import type { PresetName } from '../../dist/nn/presets.js';

export type ToWorker =
  | { type: 'train'; preset: PresetName; epochs: number; count: number; testCount: number }
  | { type: 'load-default' }
  | { type: 'detect'; id: number; bytes: Uint8Array }
  | { type: 'predict'; id: number; width: number; height: number; data: Uint8ClampedArray };

export interface EpochLogsMessage {
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
}

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'loaded'; text: string }
  | { type: 'step'; epoch: number; step: number; steps: number; epochs: number; loss: number; accuracy: number }
  | { type: 'epoch'; epoch: number; logs: EpochLogsMessage }
  | {
      type: 'done';
      evaluation: { loss: number; accuracy: number; count: number };
      model: { model_config: unknown; weights: string; metadata: unknown };
    }
  | {
      type: 'prediction';
      id: number;
      label: number;
      confidence: number;
      probabilities: number[];
      is_digit: boolean;
      reason?: string;
      /** What the model saw: 28×28 bytes, base64. */
      input: string;
    }
  | {
      type: 'detection';
      id: number;
      text: string;
      digits: { label: number; confidence: number; box: { x: number; y: number; width: number; height: number } }[];
    }
  | { type: 'error'; id?: number; message: string; status: number };
