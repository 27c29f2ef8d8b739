import { defineConfig } from 'vite';

// The page is plain TypeScript on the built library (dist/browser.js, whose kernel and model files Vite copies as
// it would in any app); `npm run build` writes web/dist, which `digits serve` serves.
export default defineConfig({
  root: 'web',
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
});
