// Compiles the AssemblyScript kernels to WebAssembly, run by `npm install` (prepare) and `npm run build`.
// Four artefacts, chosen at load time: plain SIMD or relaxed SIMD (fused multiply-add, where the runtime has
// it), each with a shared memory (worker threads) or an unshared one (runtimes without SharedArrayBuffer,
// e.g. browsers without cross-origin isolation; single-threaded).
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';

const source = 'src/kernels/assembly/kernels.ts';
const outDir = 'dist/kernels';
mkdirSync(outDir, { recursive: true });

const common = [source, '-O3', '--runtime', 'stub', '--noAssert', '--importMemory', '--noExportMemory'];
const memory = ['--initialMemory', '1', '--maximumMemory', '32768'];
const variants = [
  { file: 'kernels-simd.wasm', flags: ['--enable', 'simd,threads', '--sharedMemory'] },
  { file: 'kernels-relaxed.wasm', flags: ['--enable', 'simd,threads,relaxed-simd', '--sharedMemory'] },
  { file: 'kernels-simd-unshared.wasm', flags: ['--enable', 'simd'] },
  { file: 'kernels-relaxed-unshared.wasm', flags: ['--enable', 'simd,relaxed-simd'] },
];
for (const v of variants) {
  const { error, stderr } = await asc.main([...common, ...memory, ...v.flags, '--outFile', `${outDir}/${v.file}`]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-kernels: ${v.file} failed: ${error.message}`);
    process.exit(1);
  }
}
console.log(`build-kernels: wrote ${variants.map((v) => v.file).join(', ')} to ${outDir}/`);
