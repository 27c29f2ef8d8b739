// Saves two different models to the same file, alternately, forever (until killed). Used by the
// kill-during-save test. argv: target file. Weights of model A are all 1, of model B all 2. Prints
// "ready" once the first save is complete.
import { createKernels, io, preset } from '../../dist/index.js';

const { saveKerasH5 } = io;
const target = process.argv[2];
const models = [];
for (const value of [1, 2]) {
  const k = await createKernels({ threads: 1 });
  const m = preset('mlp-small').build(k, 0);
  for (const p of m.params) k.heap.f32(p.value, p.size).fill(value);
  models.push(m);
}
await saveKerasH5(models[1], target, { scale: 1 / 255 });
process.stdout.write('ready\n'); // one complete save exists from here on
for (let i = 0; ; i++) await saveKerasH5(models[i % 2], target, { scale: 1 / 255 });
