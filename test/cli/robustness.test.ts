import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bin, digits, expectFailures, lastJson, scratch } from '../helpers/cli.js';
import { DEFAULT_MODEL_FILE } from '../../src/vision/model.js';
import { tempDir } from '../helpers/formats.js';
import { mnistSubsetDir } from '../helpers/mnist-subset.js';

/** A PNG whose header declares `width`×`height` pixels, with a few bytes of data. */
function pngDeclaring(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const v of b) c = crcTable[(c ^ v) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(100))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Runs the CLI with its stdout read until `lines` lines, then closed, as `| head -n LINES` does. */
function throughHead(lines: number, ...args: string[]): Promise<{ code: number | null; stderr: string; head: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: scratch });
    let head = '';
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', (c) => {
      head += c;
      if (head.split('\n').length > lines) child.stdout.destroy();
    });
    child.on('close', (code) => resolve({ code, stderr, head: head.split('\n').slice(0, lines).join('\n') }));
  });
}

describe('the CLI never crashes', () => {
  const dir = tempDir();

  it('ends quietly, with exit 0, when the reader of its output goes away (| head)', async () => {
    const summary = await throughHead(2, 'summary', '--model', DEFAULT_MODEL_FILE);
    expect(summary.head).toMatch(/^Model: "sequential"/);
    expect(summary.stderr).toBe('');
    expect(summary.code).toBe(0);
    // Many files, one line each: the reader leaves after the first.
    const seven = join(dir, 'seven.png');
    const { loadSharp } = await import('../../src/report/render.js');
    const sharp = await loadSharp();
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><rect width="100%" height="100%" ' +
      'fill="white"/><text x="30" y="100" font-family="DejaVu Sans" font-size="100">7</text></svg>';
    await sharp(Buffer.from(svg)).png().toFile(seven);
    const many = await throughHead(1, 'detect', ...Array.from({ length: 40 }, () => seven));
    expect(many.head).toMatch(/seven\.png: "7"/);
    expect(many.stderr).toBe('');
    expect(many.code).toBe(0);
  });

  it('one clear error line: a busy port, --epochs 0, an absurd image header', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    const absurd = join(dir, 'absurd.png');
    writeFileSync(absurd, pngDeclaring(0x7fffffff, 0x7fffffff));
    try {
      await expectFailures([
        [['serve', '--port', String(port)], new RegExp(`^error: port ${port} on 127\\.0\\.0\\.1 is in use: .*--port`)],
        [
          ['train', '--epochs', '0'],
          /^error: option '--epochs <n>' argument '0' is invalid\. expected a positive integer$/,
        ],
        [['recognize', absurd], /^error: .*absurd\.png: corrupt PNG header \(it declares 2147483647×2147483647 pixels/],
        [['detect', absurd], /^error: .*absurd\.png: corrupt PNG header \(it declares 2147483647×2147483647 pixels/],
      ]);
    } finally {
      holder.close();
    }
  });

  it('says why each failed file failed on stderr; stdout keeps the readings', async () => {
    const absurd = join(dir, 'absurd2.png');
    writeFileSync(absurd, pngDeclaring(0x7fffffff, 1));
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not an image');
    for (const json of [false, true]) {
      const r = await digits('recognize', absurd, text, ...(json ? ['--json'] : []));
      expect(r.code).toBe(1);
      const errors = r.stderr.trim().split('\n');
      expect(errors).toHaveLength(3);
      expect(errors[0]).toMatch(/absurd2\.png: corrupt PNG header/);
      expect(errors[1]).toMatch(/notes\.txt: not a readable image/);
      expect(errors[2]).toBe('error: 2 of 2 images could not be recognised');
      // The readings: with --json each failed file's result carries its error; the text output has no line for it.
      if (json)
        expect((lastJson(r.stdout).results as { error: string }[]).map((x) => Boolean(x.error))).toEqual([true, true]);
      else expect(r.stdout).toBe('');
    }
  });

  it('selects by validation on held-out training data, never the test set, and says so', async () => {
    const data = mnistSubsetDir(3000, 1000);
    const common = ['--data', data, '--model', 'mlp-small', '--epochs', '1', '--no-report'];
    const out = (name: string) => ['--out', join(dir, `${name}.h5`), '--submission', join(dir, `${name}.csv`)];
    const best = await digits('train', ...common, ...out('best'), '--keep-best');
    expect(best.code, best.stderr).toBe(0);
    expect(best.stdout).toMatch(/Training on .*: 3000 images, validating on the last 10 % \(300 images\)/);
    expect(best.stdout).toMatch(/--keep-best decides on this held-out part; the test set stays unseen until the end/);
    const plain = await digits('train', ...common, ...out('plain'));
    expect(plain.stdout).toMatch(/validating on the 1000 test images/);
    expect(plain.stdout).toMatch(/the test set is only shown per epoch: nothing is chosen by it/);
    const split = await digits(
      'train',
      ...common,
      ...out('split'),
      '--early-stopping',
      '2',
      '--validation-split',
      '0.2',
    );
    expect(split.stdout).toMatch(/validating on the last 20 % \(600 images\)/);
  });
});
