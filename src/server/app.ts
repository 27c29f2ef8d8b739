/**
 * The HTTP API (and the web page's files) on Fastify:
 *   POST /api/recognize  image bytes (image/* or application/octet-stream), or JSON {"pixels": 2-D array of 0–255}
 *                        → {label, confidence, probabilities}
 *   POST /api/detect     image bytes → {text, digits: [{label, confidence, box}]}
 *   GET  /api/model      the model's layers, parameter count, recipe and test metrics
 *   GET  /api/misclassified?limit=N  MNIST test digits the model misreads, surest mistakes first
 *   GET  /api/mnist/train|test?count=N  the first N images (N × 28 × 28 bytes) then their N labels, for training
 *                        in the browser
 *   POST /api/models/h5  JSON {model_config, weights (base64 float32, in layer order), metadata} → a Keras .h5 file
 *   GET  /healthz        {status: "ok"}
 * Every response carries COOP/COEP (the page needs cross-origin isolation for WASM threads); every failure is a JSON
 * {error, code} with a 4xx (the client's fault) or 503 (busy); bodies, image pixels, concurrent work and request
 * time are bounded.
 */
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { loadMnist } from '../data/mnist.js';
import { DigitsError } from '../errors.js';
import { detect } from '../vision/detect.js';
import { decodeImage, ImageFormatError, ImageTooLargeError } from '../vision/image-input.js';
import type { DigitModel } from '../vision/model.js';
import { NoInkError, type RawImage } from '../vision/preprocess.js';
import { recognize } from '../vision/recognize.js';
import { misclassified, type Mistake } from './mistakes.js';
import { modelFileFromJson } from './model-upload.js';
import { pixelsFromJson, RequestError } from './request.js';

export interface ServerLimits {
  /** Largest request body in bytes (default 10 MiB). */
  bodyBytes: number;
  /** Largest image in pixels, checked from the header before decoding (default 25 megapixels). */
  imagePixels: number;
  /** API requests worked on at once; more get 503 (default 8). */
  concurrency: number;
  /** Whole-request time limit in ms (default 30 s). */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  bodyBytes: 10 * 1024 * 1024,
  imagePixels: 25_000_000,
  concurrency: 8,
  requestTimeoutMs: 30_000,
};

export interface ServerOptions {
  model: DigitModel;
  /** Where the model came from (shown by /api/model). */
  modelFile?: string;
  /** The built web page's directory, served at /; nothing outside it is reachable. */
  webRoot?: string | null;
  limits?: Partial<ServerLimits>;
  logger?: boolean;
}

/** Content types taken as image bytes; sharp tells the format from the bytes themselves. */
const IMAGE_TYPES = /^(image\/[\w.+-]+|application\/octet-stream)$/;

function send(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error: message, code });
}

/** Builds the server (not listening yet: call `listen`, or `inject` in tests). */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { model } = options;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.requestTimeoutMs,
  });
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onSend', async (_req, reply) => {
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    reply.header('X-Content-Type-Options', 'nosniff');
  });

  // Work in flight on the model; beyond the limit, 503 at once rather than a growing queue.
  let busy = 0;
  const working = new WeakSet<object>();
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'POST' || !req.url.startsWith('/api/')) return;
    if (busy >= limits.concurrency) {
      reply.header('Retry-After', '1');
      return send(reply, 503, 'E_BUSY', `busy: ${limits.concurrency} requests in progress, try again shortly`);
    }
    busy++;
    working.add(req);
  });
  app.addHook('onResponse', async (req) => {
    if (working.delete(req)) busy--;
  });

  app.setErrorHandler((error: FastifyError | Error, _req, reply) => {
    if (error instanceof RequestError) return send(reply, error.status, error.code, error.message);
    if (error instanceof ImageTooLargeError) return send(reply, 413, 'E_IMAGE_TOO_LARGE', error.message);
    if (error instanceof NoInkError) return send(reply, 422, 'E_NO_INK', 'no ink: the image is blank');
    if (error instanceof ImageFormatError) return send(reply, 415, 'E_IMAGE', error.message);
    if (error instanceof DigitsError) return send(reply, 400, error.code, error.message);
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500)
      return send(reply, status, (error as FastifyError).code ?? 'E_REQUEST', error.message);
    app.log.error(error);
    return send(reply, 500, 'E_INTERNAL', 'internal error');
  });
  app.setNotFoundHandler((req, reply) => send(reply, 404, 'E_NOT_FOUND', `no such resource: ${req.method} ${req.url}`));

  /** The request's image: bytes decoded with the pixel limit, or JSON pixels. */
  const imageOf = async (body: unknown, contentType: string | undefined): Promise<RawImage> => {
    if (Buffer.isBuffer(body)) {
      if (body.length === 0) throw new RequestError(400, 'E_EMPTY', 'empty body: send the image bytes');
      return decodeImage(new Uint8Array(body), 'body', { maxPixels: limits.imagePixels });
    }
    if (contentType?.startsWith('application/json')) return pixelsFromJson(body, limits.imagePixels);
    throw new RequestError(415, 'E_CONTENT_TYPE', 'send image bytes (image/*) or JSON pixels');
  };

  app.post('/api/recognize', async (req) => {
    const r = await recognize(model, await imageOf(req.body, req.headers['content-type']));
    return {
      label: r.label,
      confidence: r.confidence,
      probabilities: r.probabilities,
      is_digit: r.isDigit,
      ...(r.reason ? { reason: r.reason } : {}),
    };
  });

  app.post('/api/detect', async (req) => {
    if (!Buffer.isBuffer(req.body)) throw new RequestError(415, 'E_CONTENT_TYPE', 'send image bytes (image/*)');
    const d = await detect(model, await imageOf(req.body, req.headers['content-type']));
    return {
      text: d.text,
      digits: d.digits.map(({ label, confidence, box, line }) => ({ label, confidence, box, line })),
    };
  });

  app.get('/api/model', async () => {
    const net = model.network;
    return {
      file: options.modelFile ?? null,
      name: net.name,
      input_shape: net.inputShape,
      layers: net.layerInfo(),
      total_params: net.paramCount,
      summary: net.summary(),
      metrics: model.metadata?.evaluation ?? null,
      recipe: model.metadata?.recipe ?? null,
      input: { scale: model.scale, shift: model.shift },
    };
  });

  // The model's mistakes on MNIST test, computed on first request (about a second) and kept.
  let mistakes: Promise<{ total: number; list: Mistake[] }> | null = null;
  app.get('/api/misclassified', async (req) => {
    const limit = Number((req.query as { limit?: string }).limit ?? 48);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new RequestError(400, 'E_BAD_QUERY', 'limit must be an integer in 1–500');
    mistakes ??= Promise.resolve().then(() => misclassified(model));
    const { total, list } = await mistakes;
    return { total, count: list.length, mistakes: list.slice(0, limit) };
  });

  app.get('/api/mnist/:split', async (req, reply) => {
    const { split } = req.params as { split: string };
    if (split !== 'train' && split !== 'test')
      throw new RequestError(404, 'E_NOT_FOUND', 'split must be train or test');
    const set = loadMnist()[split]!;
    const count = Number((req.query as { count?: string }).count ?? set.count);
    if (!Number.isInteger(count) || count < 1 || count > set.count)
      throw new RequestError(400, 'E_BAD_QUERY', `count must be an integer in 1–${set.count}`);
    const pixels = set.height * set.width;
    // Streamed from the dataset's own memory: a request for all 60,000 images copies nothing.
    const view = (a: Uint8Array, end: number) => Buffer.from(a.buffer, a.byteOffset, end);
    return reply
      .type('application/octet-stream')
      .header('content-length', String(count * (pixels + 1)))
      .header('x-count', String(count))
      .header('x-height', String(set.height))
      .header('x-width', String(set.width))
      .send(Readable.from([view(set.images, count * pixels), view(set.labels!, count)]));
  });

  app.post('/api/models/h5', async (req, reply) => {
    const bytes = await modelFileFromJson(req.body);
    return reply
      .type('application/x-hdf5')
      .header('content-disposition', 'attachment; filename="digits-model.h5"')
      .send(Buffer.from(bytes));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  if (options.webRoot && existsSync(options.webRoot))
    await app.register(fastifyStatic, { root: options.webRoot, index: 'index.html', dotfiles: 'deny' });
  return app;
}
