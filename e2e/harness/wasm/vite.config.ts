import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { noEval } from '../../../apps/web/no-eval-plugin.js';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions: ['@rxmesh/source'] },
  // Like the page: no string evaluation, which the server's CSP refuses (Firefox reports the refusal as an error).
  plugins: [noEval()],
  worker: { format: 'es', plugins: () => [noEval()] },
  build: {
    outDir: fileURLToPath(new URL('../../../test-results/harness-wasm', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  logLevel: 'warn',
});
