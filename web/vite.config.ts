import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

/** The engine's WASM kernels (built into dist/kernels by `npm run build`), copied beside the worker that loads them. */
function kernelAssets(): Plugin {
  const names = ['relaxed', 'simd'].flatMap((v) => [`kernels-${v}.wasm`, `kernels-${v}-unshared.wasm`]);
  return {
    name: 'digits-kernels',
    generateBundle() {
      for (const name of names)
        this.emitFile({
          type: 'asset',
          fileName: `assets/${name}`,
          source: readFileSync(new URL(`../dist/kernels/${name}`, import.meta.url)),
        });
    },
  };
}

// The page is plain TypeScript; `npm run build` writes web/dist, which `digits serve` serves.
export default defineConfig({
  root: 'web',
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
  plugins: [kernelAssets()],
  // Node-only branches of the engine (worker_threads, the native addon) are never reached in a browser; Vite's
  // notes that it stubbed their imports are expected.
  logLevel: 'error',
});
