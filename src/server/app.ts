/**
 * The HTTP API (and the web page's files) on Fastify:
 *   POST /api/recognize  an image — its bytes as the body (any content type: the format is told from the bytes), a
 *                        multipart/form-data file, or JSON {"pixels": 2-D array of 0–255}
 *                        → {label, confidence, probabilities, is_digit, reason?}
 *   POST /api/detect     an image (bytes or a multipart file) → {text, digits: [{label, confidence, box, line}]}
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
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { loadMnist } from '../data/mnist.js';
import { DigitsError } from '../errors.js';
import { detect } from '../vision/detect.js';
import { decodeImage, ImageFormatError, ImageTooLargeError } from '../vision/image-input.js';
import type { DigitModel } from '../vision/model.js';
import { WORKING_SIDE } from '../vision/paper.js';
import { NoInkError, type RawImage } from '../vision/preprocess.js';
import { recognize, RECOGNIZE_SIDE } from '../vision/recognize.js';
import { misclassified, type Mistake } from './mistakes.js';
import { modelFileFromJson } from './model-upload.js';
import { pixelsFromJson, RequestError } from './request.js';
import { workQueue } from './work-queue.js';

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

/** What an image upload may be, for 415 answers. */
const ACCEPTED =
  'an image (PNG, JPEG, WebP, GIF, TIFF or AVIF) as the body or as a multipart/form-data file, ' +
  'or JSON {"pixels": [[…], …]} (recognize only)';

/** Each API route's methods: others get 405 with Allow. */
const ROUTES: Record<string, string[]> = {
  '/api/recognize': ['POST'],
  '/api/detect': ['POST'],
  '/api/models/h5': ['POST'],
  '/api/model': ['GET', 'HEAD'],
  '/api/misclassified': ['GET', 'HEAD'],
  '/api/mnist/:split': ['GET', 'HEAD'],
  '/healthz': ['GET', 'HEAD'],
};
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * Reads and drops what is left of a request's body (at most `maxBytes`). A server that answers 413 and closes the
 * connection while the body is still arriving makes the kernel reset it, and the client sees the reset, not the
 * answer.
 */
function discardBody(raw: IncomingMessage, maxBytes: number): Promise<void> {
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      raw.off('data', count);
      resolve();
    };
    const count = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) done(); // beyond this, the reset is the client's to see
    };
    raw.on('data', count);
    raw.once('end', done);
    raw.once('close', done);
    raw.once('error', done);
    raw.resume();
  });
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
  // Bodies other than JSON and multipart are taken as bytes; sharp tells an image's format from the bytes
  // (`curl --data-binary @x.png` sends application/x-www-form-urlencoded).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  await app.register(fastifyMultipart, { limits: { fileSize: limits.bodyBytes, files: 1, fields: 8, parts: 16 } });
  // `Expect: 100-continue` (curl sends it for bodies over 1 MB): refuse a body too large before it is sent.
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length']);
    if (!(declared > limits.bodyBytes)) {
      res.writeContinue();
      app.server.emit('request', req, res);
      return;
    }
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(tooLarge(declared)));
  });
  /** The 413 answer, sent once what is left of the body has been read and dropped (discardBody). */
  const refuseTooLarge = async (req: FastifyRequest, reply: FastifyReply) => {
    await discardBody(req.raw, 16 * limits.bodyBytes);
    const { error, code } = tooLarge(Number(req.headers['content-length']) || undefined);
    return send(reply.header('connection', 'close'), 413, code, error);
  };
  const tooLarge = (declared?: number) => ({
    error:
      `request body too large${declared ? ` (${declared} bytes)` : ''}: at most ${limits.bodyBytes} bytes ` +
      `(${(limits.bodyBytes / 1048576).toFixed(0)} MiB)`,
    code: 'E_TOO_LARGE',
  });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    reply.header('X-Content-Type-Options', 'nosniff');
  });

  // Work in flight on the model; beyond the limit, 503 at once rather than a growing queue.
  let busy = 0;
  app.addHook('onRequest', async (req, reply) => {
    // A body declared too large is refused before anything else (a busy server still says 413, not 503).
    if (Number(req.headers['content-length']) > limits.bodyBytes) return refuseTooLarge(req, reply);
    if (req.method !== 'POST' || !req.url.startsWith('/api/')) return;
    if (busy >= limits.concurrency) {
      reply.header('Retry-After', '1');
      return send(reply, 503, 'E_BUSY', `busy: ${limits.concurrency} requests in progress, try again shortly`);
    }
    busy++;
    // (on 'close', which also comes when the client goes away before the answer: then no onResponse would)
    reply.raw.once('close', () => busy--);
  });

  app.setErrorHandler(async (error: FastifyError | Error, req, reply) => {
    const fastifyCode = (error as FastifyError).code;
    if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE' || fastifyCode === 'FST_REQ_FILE_TOO_LARGE')
      return refuseTooLarge(req, reply);
    if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return send(reply, 415, 'E_CONTENT_TYPE', `unsupported content type: send ${ACCEPTED}`);
    if (error instanceof RequestError) return send(reply, error.status, error.code, error.message);
    if (error instanceof ImageTooLargeError) return send(reply, 413, 'E_IMAGE_TOO_LARGE', error.message);
    if (error instanceof NoInkError) return send(reply, 422, 'E_NO_INK', 'no ink: the image is blank');
    if (error instanceof ImageFormatError) return send(reply, 415, 'E_IMAGE', `${error.message}: send ${ACCEPTED}`);
    if (error instanceof DigitsError) return send(reply, 400, error.code, error.message);
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500)
      return send(reply, status, (error as FastifyError).code ?? 'E_REQUEST', error.message);
    app.log.error(error);
    return send(reply, 500, 'E_INTERNAL', 'internal error');
  });
  app.setNotFoundHandler((req, reply) => send(reply, 404, 'E_NOT_FOUND', `no such resource: ${req.method} ${req.url}`));

  // Recognition runs on this thread (up to half a second for a large busy photo): one request at a time. Decoding
  // runs on sharp's threads: all cores but one, which is left to this thread.
  const recognition = workQueue(1);
  const decoding = workQueue(Math.max(1, availableParallelism() - 1));
  /** Work for a request, unless its client has gone away in the meantime. */
  const forClient =
    <T>(reply: FastifyReply, work: () => Promise<T>) =>
    () => {
      if (reply.raw.destroyed) throw new RequestError(499, 'E_GONE', 'the client closed the connection');
      return work();
    };

  /**
   * The request's image: bytes (the body, or a multipart file) decoded under the pixel limit and shrunk on load to
   * what recognition uses, so that memory per request is bounded whatever the file declares; or JSON pixels.
   */
  const imageOf = async (
    req: FastifyRequest,
    reply: FastifyReply,
    route: 'recognize' | 'detect',
  ): Promise<RawImage> => {
    let bytes: Buffer | null = Buffer.isBuffer(req.body) ? req.body : null;
    let name = 'body';
    if (req.isMultipart()) {
      const file = await req.file();
      if (!file) throw new RequestError(400, 'E_NO_FILE', 'the multipart form has no file: send the image as a file');
      bytes = await file.toBuffer();
      name = file.filename || file.fieldname;
    }
    if (bytes) {
      if (bytes.length === 0) throw new RequestError(400, 'E_EMPTY', `empty ${name}: send the image bytes`);
      const encoded = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      return decoding(
        forClient(reply, () =>
          decodeImage(encoded, name, {
            maxPixels: limits.imagePixels,
            maxSide: route === 'recognize' ? RECOGNIZE_SIDE : WORKING_SIDE,
          }),
        ),
      );
    }
    if (route === 'recognize' && req.headers['content-type']?.startsWith('application/json'))
      return pixelsFromJson(req.body, limits.imagePixels);
    throw new RequestError(415, 'E_CONTENT_TYPE', `send ${ACCEPTED}`);
  };

  /**
   * Pictures being read (decoded or recognized) right now. The gallery's background work waits while there are
   * any, so that a drawing sent while the gallery is computed is answered first.
   */
  let readingNow = 0;
  const reading = async <T>(work: () => Promise<T>): Promise<T> => {
    readingNow++;
    try {
      return await work();
    } finally {
      readingNow--;
    }
  };
  const background = async <T>(job: () => Promise<T>): Promise<T> => {
    while (readingNow > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    return recognition(job);
  };

  app.post('/api/recognize', async (req, reply) =>
    reading(async () => {
      const image = await imageOf(req, reply, 'recognize');
      const r = await recognition(forClient(reply, () => recognize(model, image)));
      return {
        label: r.label,
        confidence: r.confidence,
        probabilities: r.probabilities,
        is_digit: r.isDigit,
        ...(r.reason ? { reason: r.reason } : {}),
        // What the model saw: 28×28 bytes, light ink on black, base64 (the page shows it).
        input: Buffer.from(r.input).toString('base64'),
      };
    }),
  );

  app.post('/api/detect', async (req, reply) =>
    reading(async () => {
      const image = await imageOf(req, reply, 'detect');
      const d = await recognition(forClient(reply, () => detect(model, image)));
      return {
        text: d.text,
        digits: d.digits.map(({ label, confidence, box, line }) => ({ label, confidence, box, line })),
      };
    }),
  );

  app.get('/api/model', async () => {
    const net = model.network;
    return {
      file: options.modelFile ? basename(options.modelFile) : null, // (never the server's own paths)
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

  // The model's mistakes on MNIST test, computed on first request (a few seconds, a chunk at a time in the
  // recognition lane, each when no picture is being read, so drawings sent meanwhile come first) and kept.
  let mistakes: Promise<{ total: number; list: Mistake[] }> | null = null;
  app.get('/api/misclassified', async (req) => {
    const limit = Number((req.query as { limit?: string }).limit ?? 48);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new RequestError(400, 'E_BAD_QUERY', 'limit must be an integer in 1–500');
    if (!mistakes) {
      mistakes = misclassified(model, background);
      mistakes.catch(() => (mistakes = null)); // a failure is not kept: the next request tries again
    }
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

  for (const [url, allow] of Object.entries(ROUTES)) {
    const others = METHODS.filter((m) => !allow.includes(m));
    app.route({
      method: [...others],
      url,
      handler: async (req, reply) => {
        reply.header('allow', allow.join(', '));
        if (req.method === 'OPTIONS') return reply.code(204).send();
        return send(
          reply,
          405,
          'E_METHOD',
          `${req.method} ${url}: use ${allow.filter((m) => m !== 'HEAD').join(', ')}`,
        );
      },
    });
  }

  const web = options.webRoot && existsSync(options.webRoot) ? options.webRoot : null;
  if (web) await app.register(fastifyStatic, { root: web, index: 'index.html', dotfiles: 'deny' });
  // Browsers ask for /favicon.ico whatever the page links: the page's icon, or nothing (not a 404 in every log).
  app.get('/favicon.ico', async (_req, reply) => {
    const icon = web && join(web, 'favicon.svg');
    if (icon && existsSync(icon)) return reply.type('image/svg+xml').send(readFileSync(icon));
    return reply.code(204).send();
  });
  return app;
}
