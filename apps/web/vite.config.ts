import { defineConfig } from 'vite';
import { noEval } from './no-eval-plugin.js';

export default defineConfig({
  resolve: { conditions: ['@rxmesh/source'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // No string evaluation in the page or its workers: see no-eval-plugin.ts.
  plugins: [noEval()],
  worker: { plugins: () => [noEval()] },
  server: {
    // The same isolation as apps/signal, so SharedArrayBuffer works under `vite` too.
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
