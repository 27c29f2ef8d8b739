import type { FastifyInstance } from 'fastify';
import { writeFileSync } from 'node:fs';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSharp } from '../../src/report/render.js';
import { buildServer } from '../../src/server/app.js';
import { DEFAULT_MODEL_FILE, loadModel, type DigitModel } from '../../src/vision/model.js';
import { tempDir } from '../helpers/formats.js';

/** Dark text on white, as PNG bytes. */
async function picture(width: number, height: number, text: string, x: number, y: number, size: number) {
  const sharp = await loadSharp();
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${size}">${text}</text></svg>`;
  return sharp(Buffer.from(svg)).greyscale().png({ compressionLevel: 9 }).toBuffer();
}

interface Answer {
  status: number | string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** Whether the request body was sent in full before the answer. */
  sent: boolean;
}

/**
 * One request over its own connection with a raw client, so that what a client sees is tested: the status, or the
 * error code (ECONNRESET, EPIPE) when the connection was reset before an answer arrived.
 */
function send(base: string, method: string, path: string, headers: OutgoingHttpHeaders, body?: Buffer) {
  const url = new URL(base);
  return new Promise<Answer>((resolve) => {
    let sent = false;
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers, sent }));
      res.on('error', (e: NodeJS.ErrnoException) =>
        resolve({ status: e.code ?? 'error', body: '', headers: {}, sent }),
      );
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: e.code ?? 'error', body: '', headers: {}, sent }));
    if (!body) return void req.end();
    if (headers.expect) {
      // With Expect: 100-continue the body waits for the server's go-ahead, which a refusal never gives.
      req.on('continue', () => req.end(body, () => (sent = true)));
      req.flushHeaders();
    } else req.end(body, () => (sent = true));
  });
}

/** A multipart/form-data body with one file field. */
function multipart(field: string, filename: string, type: string, bytes: Buffer) {
  const boundary = '----digits-test-boundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

describe('HTTP API: every request gets one of our answers', () => {
  let model: DigitModel;
  let app: FastifyInstance;
  let base: string;
  const LIMIT = 1_000_000;
  const web = tempDir('digits-web-');
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>digits</title>');
  writeFileSync(join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

  beforeAll(async () => {
    model = await loadModel(DEFAULT_MODEL_FILE, { threads: 1 });
    app = await buildServer({
      model,
      modelFile: DEFAULT_MODEL_FILE,
      webRoot: web,
      limits: { bodyBytes: LIMIT, concurrency: 4 },
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await model.dispose();
  });

  it('takes an image however a client uploads it: any content type, none, or a multipart file', async () => {
    const png = await picture(200, 200, '7', 60, 160, 150);
    const forms: [string, OutgoingHttpHeaders, Buffer][] = [
      ['curl --data-binary', { 'content-type': 'application/x-www-form-urlencoded' }, png],
      ['octet-stream', { 'content-type': 'application/octet-stream' }, png],
      ['no content type', {}, png],
      ['image/jpeg for a PNG', { 'content-type': 'image/jpeg' }, png],
    ];
    const file = multipart('file', 'seven.png', 'image/png', png);
    forms.push(['curl -F file=@…', { 'content-type': file.type }, file.body]);
    for (const path of ['/api/recognize', '/api/detect'])
      for (const [name, headers, body] of forms) {
        const r = await send(base, 'POST', path, { ...headers, 'content-length': body.length }, body);
        expect(r.status, `${path} ${name}: ${r.body}`).toBe(200);
        const json = JSON.parse(r.body) as { label?: number; text?: string };
        expect(path === '/api/recognize' ? json.label : json.text, name).toBe(path === '/api/recognize' ? 7 : '7');
      }
    const empty = multipart('note', 'empty.png', 'image/png', Buffer.alloc(0));
    const none = await send(base, 'POST', '/api/recognize', { 'content-type': empty.type }, empty.body);
    expect(none.status).toBe(400);
    expect(JSON.parse(none.body).error).toMatch(/empty empty\.png/);
  });

  it('415 names what it accepts; 405 says which methods a resource has; 404 for the rest', async () => {
    const text = await send(base, 'POST', '/api/recognize', { 'content-type': 'text/plain' }, Buffer.from('hello'));
    expect(text.status).toBe(415);
    expect(JSON.parse(text.body).error).toMatch(/PNG, JPEG, WebP, GIF, TIFF or AVIF.*multipart\/form-data/);
    const cases: [string, string, string][] = [
      ['GET', '/api/recognize', 'POST'],
      ['PUT', '/api/detect', 'POST'],
      ['POST', '/api/model', 'GET, HEAD'],
      ['DELETE', '/healthz', 'GET, HEAD'],
      ['POST', '/api/mnist/train', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const r = await send(base, method, path, {});
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.allow).toBe(allow);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'E_METHOD' });
    }
    const options = await send(base, 'OPTIONS', '/api/recognize', {});
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('POST');
    expect((await send(base, 'GET', '/api/nothing', {})).status).toBe(404);
  });

  it('shows no server paths, and has a favicon', async () => {
    const m = JSON.parse((await send(base, 'GET', '/api/model', {})).body) as { file: string };
    expect(m.file).toBe('default.h5');
    expect(JSON.stringify(m)).not.toContain(web);
    expect(JSON.stringify(m)).not.toContain(process.cwd());
    const icon = await send(base, 'GET', '/favicon.ico', {});
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('answers 413 to every client of a burst of oversized bodies, never a reset', async () => {
    const big = Buffer.alloc(4 * LIMIT, 1);
    const declared = () =>
      send(base, 'POST', '/api/detect', { 'content-type': 'image/png', 'content-length': big.length }, big);
    const chunked = () => send(base, 'POST', '/api/detect', { 'content-type': 'image/png' }, big);
    const expecting = () =>
      send(
        base,
        'POST',
        '/api/detect',
        { 'content-type': 'image/png', 'content-length': big.length, expect: '100-continue' },
        big,
      );
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, declared),
      ...Array.from({ length: 6 }, chunked),
      ...Array.from({ length: 4 }, expecting),
    ]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 413));
    for (const a of answers) expect(JSON.parse(a.body)).toMatchObject({ code: 'E_TOO_LARGE' });
    // Declared too large with Expect: 100-continue: refused before the body is sent.
    expect(answers.slice(26).every((a) => !a.sent)).toBe(true);
    expect((await send(base, 'GET', '/healthz', {})).status).toBe(200);
  });

  it('gives capacity back when clients go away before their answer', async () => {
    const png = await picture(3000, 3000, '123456', 200, 1800, 900);
    // Twice the concurrency limit of clients that hang up while their photos are read.
    await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<void>((resolve) => {
            const url = new URL(base);
            const req = httpRequest({
              host: url.hostname,
              port: url.port,
              path: '/api/detect',
              method: 'POST',
              headers: { 'content-type': 'image/png', 'content-length': png.length },
              agent: false,
            });
            req.on('error', () => resolve());
            req.end(png, () => setTimeout(() => (req.destroy(), resolve()), 20));
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await Promise.all(
      Array.from({ length: 4 }, () =>
        send(
          base,
          'POST',
          '/api/recognize',
          { 'content-type': 'application/json' },
          Buffer.from('{"pixels":[[0,255]]}'),
        ),
      ),
    );
    expect(after.map((a) => a.status)).toEqual([200, 200, 200, 200]);
  });

  it('answers a drawing sent while the mistakes gallery is first computed before the gallery', async () => {
    // The gallery predicts all 10,000 MNIST test digits on its first request; a drawing must not wait for that.
    const png = await picture(280, 280, '7', 40, 220, 200);
    const done: string[] = [];
    const gallery = fetch(`${base}/api/misclassified?limit=3`).then(async (r) => {
      expect(r.status).toBe(200);
      done.push(`gallery (${((await r.json()) as { count: number }).count} mistakes)`);
    });
    await new Promise((resolve) => setTimeout(resolve, 150)); // the gallery is under way
    const res = await fetch(`${base}/api/recognize`, { method: 'POST', body: png });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { label: number; input: string };
    expect(body.label).toBe(7);
    expect(Buffer.from(body.input, 'base64')).toHaveLength(28 * 28); // what the model saw, for the page's preview
    done.push('drawing');
    await gallery;
    expect(done[0]).toBe('drawing');
    expect(done[1]).toMatch(/^gallery \(\d+ mistakes\)$/);
  });

  it('reads a large photo shrunk on load; boxes are in its own pixels', async () => {
    // 6000×4000 (24 MP): "2026" with digits 1000 px tall, starting at x = 1500.
    const png = await picture(6000, 4000, '2026', 1500, 2600, 1400);
    const r = await send(
      base,
      'POST',
      '/api/detect',
      { 'content-type': 'image/png', 'content-length': png.length },
      png,
    );
    expect(r.status, r.body).toBe(200);
    const d = JSON.parse(r.body) as { text: string; digits: { box: { x: number; y: number; height: number } }[] };
    expect(d.text).toBe('2026');
    expect(d.digits[0].box.x).toBeGreaterThan(1500);
    expect(d.digits[0].box.x).toBeLessThan(1800);
    expect(d.digits[0].box.height).toBeGreaterThan(900);
    expect(d.digits[0].box.y + d.digits[0].box.height).toBeGreaterThan(2500);
    expect(d.digits[0].box.y + d.digits[0].box.height).toBeLessThan(2700);
  });
});
