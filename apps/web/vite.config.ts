import { defineConfig } from 'vite';

export default defineConfig({
  resolve: { conditions: ['@rxmesh/source'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    // The same isolation as apps/signal, so SharedArrayBuffer works under `vite` too.
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
