// Messages between the page and the training worker.
import type { ClassMetrics, Misreading } from '../../dist/browser.js';
import type { PresetName } from '../../dist/nn/presets.js';

export type ToWorker =
  | { type: 'train'; preset: PresetName; epochs: number; count: number; testCount: number }
  /** Ends training after the step under way; the model keeps the weights it has. */
  | { type: 'stop' }
  | { type: 'load-default' }
  | { type: 'detect'; id: number; bytes: Uint8Array }
  | { type: 'predict'; id: number; width: number; height: number; data: Uint8ClampedArray };

export interface EpochLogsMessage {
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  seconds: number;
}

/** A misread test image, with its 28×28 pixels (base64 of the bytes). */
export interface MistakeMessage extends Misreading {
  pixels: string;
}

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'loaded'; text: string; accuracy: number | null }
  | { type: 'started'; epochs: number; count: number; engine: string }
  | { type: 'step'; epoch: number; step: number; steps: number; epochs: number; loss: number; accuracy: number }
  | {
      type: 'epoch';
      epoch: number;
      logs: EpochLogsMessage;
      /** Of logs.seconds, the training steps'. */ trainSeconds: number;
    }
  | {
      type: 'done';
      /** Stopped by the user before the last epoch ended. */
      stopped: boolean;
      evaluation: { loss: number; accuracy: number; count: number };
      /** Test set: rows are the actual digit, columns the predicted one. */
      confusion: number[][];
      classes: ClassMetrics[];
      /** Every misread test image, surest first (the page shows the first ones). */
      mistakeCount: number;
      mistakes: MistakeMessage[];
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
