import { describe, expect, it } from 'vitest';
import { createKernels } from '../../src/kernels/index.js';
import { preset } from '../../src/nn/presets.js';
import { earlyStopping, keepBest, reduceOnPlateau, snapshotWeights } from '../../src/train/callbacks.js';
import type { EpochLogs } from '../../src/train/history.js';

const logs = (val_loss: number, val_accuracy = 0.9): EpochLogs => ({
  loss: 1,
  accuracy: 0.5,
  val_loss,
  val_accuracy,
  seconds: 1,
});

async function model() {
  return preset('mlp-small').build(await createKernels({ backend: 'reference' }), 1);
}

describe('epoch callbacks', () => {
  it('early stopping stops after `patience` epochs without improvement and can restore the best weights', async () => {
    const m = await model();
    const es = earlyStopping({ patience: 2, restoreBestWeights: true });
    const w = m.kernels.heap.f32(m.params[0].value, 4);
    const seq = [0.5, 0.4, 0.45, 0.41];
    const stops = seq.map((v, i) => {
      w[0] = i; // mark the weights of each epoch
      return es.onEpochEnd!(i + 1, logs(v), m);
    });
    expect(stops).toEqual([false, false, false, true]);
    expect(es.stoppedEpoch).toBe(4);
    es.onTrainEnd!(m);
    expect(w[0]).toBe(1); // epoch 2's weights (best val_loss 0.4)
  });

  it('reduce-on-plateau multiplies the rate after `patience` stalled epochs, never below minLr; replay matches', () => {
    const make = () => reduceOnPlateau({ patience: 2, factor: 0.5, minLr: 0.02, minDelta: 0 });
    const p = make();
    const seq = [1, 0.9, 0.95, 0.92, 0.93, 0.94, 0.96];
    const rates = seq.map((v, i) => {
      p.onEpochEnd!(i + 1, logs(v), undefined as never);
      return p.adjustLearningRate!(0.1);
    });
    // stalls after 0.9: epochs 3, 4 → ×0.5; epochs 5, 6 → ×0.25 (0.025); epoch 7 alone does not reach patience
    expect(rates).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    expect(p.adjustLearningRate!(0.01)).toBe(0.02);
    const q = make();
    q.replay!(seq.map((v) => logs(v)));
    expect(q.scale).toBe(p.scale);
  });

  it('keep-best keeps the weights of the best val_accuracy epoch and reports improvements', async () => {
    const m = await model();
    const improved: number[] = [];
    const kb = keepBest({ onImprove: (e) => void improved.push(e) });
    const w = m.kernels.heap.f32(m.params[0].value, 1);
    for (const [i, acc] of [0.9, 0.95, 0.94, 0.96, 0.93].entries()) {
      w[0] = i;
      await kb.onEpochEnd!(i + 1, logs(1, acc), m);
    }
    expect(improved).toEqual([1, 2, 4]);
    expect(kb.best).toEqual({ epoch: 4, value: 0.96 });
    kb.onTrainEnd!(m);
    expect(w[0]).toBe(3);
    expect(snapshotWeights(m)[0][0]).toBe(3);
  });

  it('monitoring validation metrics without validation data is an error naming the metric', async () => {
    const m = await model();
    const es = earlyStopping();
    expect(() => es.onEpochEnd!(1, { loss: 1, accuracy: 0.5, seconds: 1 }, m)).toThrow(/cannot monitor val_loss/);
  });
});
