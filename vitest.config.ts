import { defineConfig } from 'vitest/config';
import { CHROMIUM_TIERING_BUDGET } from './packages/wasm/src/jit/program-compiler.js';

// Workspace packages resolve to their TypeScript sources (the "@rxmesh/source" export condition), so unit tests
// never run stale compiled output.
const conditions = ['@rxmesh/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'scripts/**/*.test.mjs'],
    testTimeout: 30_000,
    // V8 as in Chromium, whose tiering budget createVM() assumes unless told otherwise (Node 20's is 1.8 MB), so
    // compiled programs run here as they do in browsers.
    execArgv: [`--wasm-tiering-budget=${CHROMIUM_TIERING_BUDGET}`],
  },
});
