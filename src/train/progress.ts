import { SingleBar } from 'cli-progress';
import type { EpochLogs } from './history.js';
import type { ProgressReporter } from './progress-reporter.js';

// The interface lives apart so that fit() (and the browser) need not load the terminal progress bar.
export { silentProgress, type ProgressReporter } from './progress-reporter.js';

/** Keras's epoch summary: "loss: 0.2134 - accuracy: 0.9361 - val_loss: … - val_accuracy: …". */
export function formatLogs(logs: EpochLogs): string {
  const parts = [`loss: ${logs.loss.toFixed(4)}`, `accuracy: ${logs.accuracy.toFixed(4)}`];
  if (logs.val_loss !== undefined) parts.push(`val_loss: ${logs.val_loss.toFixed(4)}`);
  if (logs.val_accuracy !== undefined) parts.push(`val_accuracy: ${logs.val_accuracy.toFixed(4)}`);
  return parts.join(' - ');
}

/**
 * A per-epoch progress bar (steps, ETA, running loss and accuracy) on a TTY; on anything else (CI logs,
 * pipes) one line per epoch.
 */
export function consoleProgress(stream: NodeJS.WriteStream = process.stdout): ProgressReporter {
  const tty = Boolean(stream.isTTY);
  let bar: SingleBar | null = null;
  return {
    epochBegin(epoch, epochs, steps) {
      if (!tty) return;
      bar = new SingleBar({
        stream,
        format: `Epoch ${epoch}/${epochs} [{bar}] {value}/{total} - ETA {eta_formatted} - loss: {loss} - accuracy: {acc}`,
        barCompleteChar: '=',
        barIncompleteChar: '.',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      });
      bar.start(steps, 0, { loss: '-', acc: '-' });
    },
    step(step, loss, accuracy) {
      bar?.update(step, { loss: loss.toFixed(4), acc: accuracy.toFixed(4) });
    },
    epochEnd(epoch, epochs, logs) {
      bar?.stop();
      bar = null;
      stream.write(`Epoch ${epoch}/${epochs} - ${logs.seconds.toFixed(1)}s - ${formatLogs(logs)}\n`);
    },
    close() {
      bar?.stop();
      bar = null;
    },
  };
}
