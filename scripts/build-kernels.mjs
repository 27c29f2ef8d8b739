// Compiles the AssemblyScript kernels to WebAssembly: one artefact with plain SIMD and one with relaxed SIMD
// (fused multiply-add), chosen at load time by feature detection. Runs during `npm install` (prepare).
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';

const source = 'src/kernels/assembly/kernels.ts';
const outDir = 'dist/kernels';
mkdirSync(outDir, { recursive: true });

const common = [
  source,
  '-O3',
  '--runtime',
  'stub',
  '--noAssert',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  '1',
  '--maximumMemory',
  '32768',
  '--noExportMemory',
];
const variants = [
  { file: 'kernels-simd.wasm', features: 'simd,threads' },
  { file: 'kernels-relaxed.wasm', features: 'simd,threads,relaxed-simd' },
];
for (const v of variants) {
  const { error, stderr } = await asc.main([...common, '--enable', v.features, '--outFile', `${outDir}/${v.file}`]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-kernels: ${v.file} failed: ${error.message}`);
    process.exit(1);
  }
}
console.log(`build-kernels: wrote ${variants.map((v) => `${outDir}/${v.file}`).join(', ')}`);
