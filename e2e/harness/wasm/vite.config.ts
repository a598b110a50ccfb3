import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions: ['@rxmesh/source'] },
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../../../test-results/harness-wasm', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  logLevel: 'warn',
});
