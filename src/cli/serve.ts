import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { buildServer, DEFAULT_LIMITS } from '../server/app.js';
import { DEFAULT_MODEL_FILE } from '../vision/model.js';
import { addModelInputOptions, addVerifierOptions, loadImageModel, type ModelInputOptions } from './model-input.js';
import { nonNegativeInt, positiveInt } from './options.js';
import { makeOutput } from './output.js';

/** The built web page (web/ → web/dist by `npm run build`). */
export const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

interface ServeOptions extends ModelInputOptions {
  verifier?: string | boolean;
  model?: string;
  port: number;
  host: string;
  concurrency: number;
  maxPixels: number;
  threads?: number;
  json?: boolean;
}

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .description('serve the HTTP API (/api/recognize, /api/detect, /api/model, /healthz) and the web page')
    .option('--model <file>', 'model file (.h5 or .keras; default: the shipped model)')
    .option('--port <n>', 'TCP port (0: any free one)', nonNegativeInt, 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--concurrency <n>',
      'API requests worked on at once; more get 503',
      positiveInt,
      DEFAULT_LIMITS.concurrency,
    )
    .option('--max-pixels <n>', 'largest image accepted, in pixels', positiveInt, DEFAULT_LIMITS.imagePixels)
    .option('--threads <n>', 'compute threads (default: all cores)', positiveInt)
    .option('--json', 'print {"url", "model"} as the last line once listening');
  addVerifierOptions(addModelInputOptions(command)).action(async (o: ServeOptions) => serve(o));
}

async function serve(o: ServeOptions): Promise<void> {
  const out = makeOutput(Boolean(o.json));
  const model = await loadImageModel(o, true);
  const app = await buildServer({
    model,
    modelFile: o.model ?? DEFAULT_MODEL_FILE,
    webRoot: WEB_ROOT,
    limits: { concurrency: o.concurrency, imagePixels: o.maxPixels },
  });
  let address: string;
  try {
    address = await app.listen({ port: o.port, host: o.host });
  } catch (e) {
    await model.dispose();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(
        `port ${o.port} on ${o.host} is in use: stop what holds it, or choose --port (0: any free port)`,
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UsageError(`--host ${o.host}: not an address of this machine`);
    if (code === 'EACCES')
      throw new UsageError(`port ${o.port}: not allowed for this user (ports below 1024 need root)`);
    throw e;
  }
  out.info(`digits serving ${address} (model: ${o.model ?? 'shipped default'}); Ctrl-C stops`);
  out.result({ url: address, model: o.model ?? DEFAULT_MODEL_FILE });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await model.dispose();
}
