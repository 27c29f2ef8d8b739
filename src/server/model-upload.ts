/** A model trained elsewhere (the browser) turned into a Keras .h5 file for download. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFromConfigJson } from '../io/keras-config.js';
import { saveKerasH5, type ModelMetadata } from '../io/keras-h5.js';
import { createKernels } from '../kernels/index.js';
import { RequestError } from './request.js';

/** A model trained elsewhere (the browser) as Keras HDF5 bytes: its config built here, its weights copied in. */
export async function modelFileFromJson(body: unknown): Promise<Uint8Array> {
  const b = body as { model_config?: unknown; weights?: unknown; metadata?: unknown } | null;
  if (!b || typeof b !== 'object' || typeof b.weights !== 'string' || !b.model_config)
    throw new RequestError(400, 'E_BAD_JSON', 'expected {"model_config", "weights" (base64 float32), "metadata"}');
  const raw = Buffer.from(b.weights, 'base64');
  if (raw.length % 4 !== 0) throw new RequestError(400, 'E_BAD_JSON', 'weights must be whole float32 values');
  const weights = new Float32Array(raw.length / 4);
  new Uint8Array(weights.buffer).set(raw);
  const kernels = await createKernels({ threads: 1, native: false });
  const dir = mkdtempSync(join(tmpdir(), 'digits-h5-'));
  try {
    const model = buildFromConfigJson(JSON.stringify(b.model_config), 'model_config', kernels, weights.length);
    if (model.paramCount !== weights.length)
      throw new RequestError(
        400,
        'E_BAD_JSON',
        `the model has ${model.paramCount} weights, ${weights.length} were sent`,
      );
    let at = 0;
    for (const p of model.params) {
      kernels.heap.f32(p.value, p.size).set(weights.subarray(at, at + p.size));
      at += p.size;
    }
    const metadata = (b.metadata && typeof b.metadata === 'object' ? b.metadata : {}) as Partial<ModelMetadata>;
    const file = join(dir, 'model.h5');
    await saveKerasH5(model, file, { ...metadata, scale: metadata.scale ?? 1 / 255 });
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await kernels.dispose();
  }
}
