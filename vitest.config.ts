import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the "@rxmesh/source" export condition), so unit tests
// never run stale compiled output.
const conditions = ['@rxmesh/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'scripts/**/*.test.mjs'],
    testTimeout: 30_000,
  },
});
