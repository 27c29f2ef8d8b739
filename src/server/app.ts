/**
 * The HTTP API (and the web page's files) on Fastify:
 *   POST /api/recognize  image bytes (image/* or application/octet-stream), or JSON {"pixels": 2-D array of 0–255}
 *                        → {label, confidence, probabilities}
 *   POST /api/detect     image bytes → {text, digits: [{label, confidence, box}]}
 *   GET  /api/model      the model's layers, parameter count, recipe and test metrics
 *   GET  /healthz        {status: "ok"}
 * Every response carries COOP/COEP (the page needs cross-origin isolation for WASM threads); every failure is a JSON
 * {error, code} with a 4xx (the client's fault) or 503 (busy); bodies, image pixels, concurrent work and request
 * time are bounded.
 */
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { DigitsError } from '../errors.js';
import { detect } from '../vision/detect.js';
import { decodeImage, ImageFormatError, ImageTooLargeError } from '../vision/image-input.js';
import type { DigitModel } from '../vision/model.js';
import { NoInkError, type RawImage } from '../vision/preprocess.js';
import { recognize } from '../vision/recognize.js';

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

/** A request the client got wrong: its HTTP status and a stable code. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSON {pixels: [[…], …]} (rows of 0–255, light or dark ink) as a gray image. */
function pixelsFromJson(body: unknown, maxPixels: number): RawImage {
  const rows = (body as { pixels?: unknown } | null)?.pixels;
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0]))
    throw new RequestError(400, 'E_BAD_JSON', 'expected {"pixels": [[...], ...]}, rows of gray levels 0–255');
  const height = rows.length;
  const width = (rows[0] as unknown[]).length;
  if (width === 0 || width * height > maxPixels)
    throw new RequestError(width === 0 ? 400 : 413, 'E_BAD_JSON', `pixels must be 1 to ${maxPixels} values`);
  const data = new Uint8Array(width * height);
  rows.forEach((row, y) => {
    if (!Array.isArray(row) || row.length !== width)
      throw new RequestError(400, 'E_BAD_JSON', `pixels row ${y} must have ${width} values like row 0`);
    row.forEach((v, x) => {
      if (typeof v !== 'number' || !(v >= 0 && v <= 255))
        throw new RequestError(400, 'E_BAD_JSON', `pixels[${y}][${x}] must be a number in 0–255`);
      data[y * width + x] = Math.round(v);
    });
  });
  return { width, height, channels: 1, data };
}

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
    return { label: r.label, confidence: r.confidence, probabilities: r.probabilities };
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

  app.get('/healthz', async () => ({ status: 'ok' }));

  if (options.webRoot && existsSync(options.webRoot))
    await app.register(fastifyStatic, { root: options.webRoot, index: 'index.html', dotfiles: 'deny' });
  return app;
}
