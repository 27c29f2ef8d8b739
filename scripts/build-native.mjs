// Builds the optional native GEMM (src/kernels/native/gemm.cc, an N-API addon) into dist/kernels/, on the machine
// that runs it: `npm install` here and in a project that installs digits (the `install` script; npm 11 asks the
// project to allow it: `npm install-scripts approve digits`), and `npm run build`. The package never ships a
// binary built for another CPU. Optional by design: without a C++ compiler, or on a CPU that is not x86-64, it
// prints why and digits uses its WebAssembly GEMM. DIGITS_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const source = 'src/kernels/native/gemm.cc';
const out = 'dist/kernels/digits-native.node';
mkdirSync('dist/kernels', { recursive: true });

function skip(why) {
  rmSync(out, { force: true });
  console.log(`build-native: skipped (${why}); digits will use its WebAssembly GEMM`);
  process.exit(0);
}

if (process.env.DIGITS_NATIVE === '0') skip('DIGITS_NATIVE=0');
if (process.arch !== 'x64') skip(`no native kernels for ${process.arch}`);
let include;
try {
  include = createRequire(import.meta.url)('node-api-headers').include_dir;
} catch {
  skip('node-api-headers is not installed');
}
const cxx = process.env.CXX || 'c++';
// `npm install` runs this twice in the repository (install, then prepare's build): the second time is a no-op.
const built = existsSync(out) && statSync(out).mtimeMs;
if (built && built > statSync(source).mtimeMs && built > statSync(new URL(import.meta.url)).mtimeMs) {
  console.log(`build-native: ${out} is up to date`);
  process.exit(0);
}
const tmp = `${out}.${process.pid}.tmp`;
const args = ['-O3', '-std=c++17', '-shared', '-fPIC', '-fvisibility=hidden', `-I${include}`, source, '-o', tmp];
const r = spawnSync(cxx, args, { encoding: 'utf8' });
if (r.error) skip(`${cxx} not found`);
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  skip(`${cxx} failed: ${(r.stderr || '').trim().split('\n').slice(0, 3).join(' | ')}`);
}
renameSync(tmp, out);
console.log(`build-native: wrote ${out}`);
