import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/index.js';
import { loadSharp } from '../../src/report/render.js';
import { chromiumPath } from '../helpers/chromium.js';
import { tempDir } from '../helpers/formats.js';

/**
 * digits as someone else's project gets it: `npm pack`, the tarball installed into a new project (dependencies from
 * the local npm cache), then the library imported by name, the CLI run through npx, `digits/browser` bundled by
 * Vite and run in Chromium, and the native GEMM built on install, or skipped without a compiler.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const work = tempDir('digits-consumer-');
const project = join(work, 'project');
const native = join(project, 'node_modules', 'digits', 'dist', 'kernels', 'digits-native.node');
const hasCompiler = spawnSync(process.env.CXX || 'c++', ['--version']).status === 0;

/** The environment of a user's shell: none of the npm_* variables of the `npm test` running this. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(extra), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

const USE = `import { loadModel, recognize } from 'digits';
const model = await loadModel();
const r = await recognize(model, 'seven.png');
console.log(JSON.stringify({ label: r.label, backend: model.network.kernels.name }));
await model.dispose();
`;

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}
let packed: Packed;
let installLog = '';

describe('the packed package in a new project', () => {
  beforeAll(async () => {
    const r = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repo);
    packed = (JSON.parse(r.stdout) as Packed[])[0];
    const tarball = join(work, packed.filename);
    run('mkdir', ['-p', project], work);
    const vite = (JSON.parse(readFileSync(join(repo, 'node_modules/vite/package.json'), 'utf8')) as { version: string })
      .version;
    // npm 11 runs a dependency's install script only when the project allows it: this one does (the native GEMM).
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts: { [`file:${tarball}`]: true } }),
    );
    const install = run(
      'npm',
      ['install', tarball, `vite@${vite}`, '--prefer-offline', '--no-audit', '--no-fund'],
      project,
    );
    installLog = install.stdout + install.stderr;
    const test = loadMnist().test!;
    const sharp = await loadSharp();
    const ink = Buffer.from(test.images.subarray(0, 784).map((v) => 255 - v)); // MNIST test image 0: a 7
    await sharp(ink, { raw: { width: 28, height: 28, channels: 1 } })
      .resize(84, 84)
      .extend({ top: 12, bottom: 12, left: 12, right: 12, background: '#ffffff' })
      .png()
      .toFile(join(project, 'seven.png'));
    writeFileSync(join(project, 'use.mjs'), USE);
    console.log(
      `npm pack: ${packed.filename} ${(packed.size / 1e6).toFixed(2)} MB (${(packed.unpackedSize / 1e6).toFixed(2)} MB ` +
        `unpacked, ${packed.files.length} files)`,
    );
  }, 300_000);

  it('the tarball holds the built library, kernels, models, CLI and the native source, and no binary', () => {
    const paths = new Set(packed.files.map((f) => f.path));
    for (const p of [
      'package.json',
      'README.md',
      'bin/digits.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/browser.js',
      'dist/kernels/kernels-simd.wasm',
      'dist/kernels/kernels-relaxed-unshared.wasm',
      'models/default.h5',
      'models/verifier.h5',
      'models/judge.h5',
      'src/kernels/native/gemm.cc',
      'scripts/build-native.mjs',
      'web/dist/index.html',
    ])
      expect(paths.has(p), p).toBe(true);
    expect([...paths].filter((p) => p.endsWith('.node'))).toEqual([]);
    expect([...paths].filter((p) => p.startsWith('test/') || p.startsWith('node_modules/'))).toEqual([]);
    expect(packed.size).toBeLessThan(20e6);
  });

  it('installs without a warning', () => {
    expect(installLog).not.toMatch(/npm warn/i);
  });

  it('imports by name and reads a digit; the native GEMM was built on this machine at install', () => {
    expect(existsSync(native)).toBe(hasCompiler);
    const r = JSON.parse(run('node', ['use.mjs'], project).stdout.trim()) as { label: number; backend: string };
    expect(r.label).toBe(7);
    expect(r.backend).toMatch(hasCompiler ? /\+native-avx/ : /^wasm/);
  });

  it('runs the CLI through npx', () => {
    const version = run('npx', ['digits', '--version'], project).stdout.trim();
    expect(version).toBe(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version);
    const out = run('npx', ['digits', 'recognize', 'seven.png', '--json'], project).stdout.trim().split('\n');
    expect((JSON.parse(out.at(-1)!) as { results: { label: number }[] }).results[0].label).toBe(7);
  });

  it('bundles digits/browser with Vite, kernels and model included, and the bundle reads a digit in Chromium', async () => {
    const pixels = Array.from(loadMnist().test!.images.subarray(0, 784));
    writeFileSync(
      join(project, 'index.html'),
      '<!doctype html><title>consumer</title><script type="module" src="./main.js"></script>',
    );
    writeFileSync(
      join(project, 'main.js'),
      `import { loadModel, recognize } from 'digits/browser';
const gray = ${JSON.stringify(pixels)};
const image = new ImageData(28, 28);
gray.forEach((v, i) => image.data.set([255 - v, 255 - v, 255 - v, 255], i * 4));
const model = await loadModel();
const r = await recognize(model, image);
document.title = 'label ' + r.label;
`,
    );
    const build = run('npx', ['vite', 'build'], project);
    // No Node built-in reaches the bundle (Vite would stub it and say so); only its note on h5wasm's chunk size.
    expect(build.stdout + build.stderr).not.toMatch(/externalized|error/i);
    const assets = readdirSync(join(project, 'dist', 'assets'));
    expect(assets.filter((a) => a.endsWith('.wasm'))).toHaveLength(4);
    expect(assets.some((a) => /^default-.*\.h5$/.test(a))).toBe(true);

    // The bundle as a static site, served from disk through the browser's request interception.
    const types: Record<string, string> = {
      '.html': 'text/html',
      '.js': 'text/javascript',
      '.wasm': 'application/wasm',
    };
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.route('http://consumer.test/**', async (route) => {
        const path = new URL(route.request().url()).pathname;
        const file = join(project, 'dist', path === '/' ? 'index.html' : path);
        if (!existsSync(file)) return route.fulfill({ status: 404 });
        await route.fulfill({
          body: readFileSync(file),
          contentType: types[extname(file)] ?? 'application/octet-stream',
        });
      });
      await page.goto('http://consumer.test/');
      await page.waitForFunction(() => document.title.startsWith('label'), undefined, { timeout: 60_000 });
      expect(await page.title()).toBe('label 7');
    } finally {
      await browser.close();
    }
  });

  it('without a C++ compiler the install script says why and the library runs on WebAssembly', () => {
    rmSync(native, { force: true });
    const r = run('npm', ['rebuild', 'digits', '--foreground-scripts'], project, { CXX: 'false' });
    expect(r.stdout + r.stderr).toMatch(/build-native: skipped \(false (failed|not found)/);
    expect(existsSync(native)).toBe(false);
    const out = JSON.parse(run('node', ['use.mjs'], project).stdout.trim()) as { label: number; backend: string };
    expect(out.label).toBe(7);
    expect(out.backend).not.toMatch(/native/);
  });
});
