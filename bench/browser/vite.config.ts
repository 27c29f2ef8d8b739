import { defineConfig } from 'vite';

// The browser training bench (npm run bench:browser builds it into bench/browser/dist and serves it with
// `digits serve`'s server, which is cross-origin isolated: WASM threads work in it).
export default defineConfig({
  root: 'bench/browser',
  base: './',
  logLevel: 'warn',
  // Unminified: TensorFlow.js's threaded WASM backend builds its pthread workers from its own source text, which
  // minification breaks (tensorflow/tfjs#4107: "e is not defined" in the workers).
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8000, minify: false },
  worker: { format: 'es' },
});
