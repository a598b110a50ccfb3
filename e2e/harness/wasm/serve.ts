// Builds the engine harness page and serves it with the signaling server's headers (cross-origin isolated on
// loopback), for the browser tests that drive the engine itself.
import { fileURLToPath } from 'node:url';
import { buildServer } from '@rxmesh/signal';
import { build } from 'vite';

const harnessConfig = fileURLToPath(new URL('./vite.config.ts', import.meta.url));
const harnessRoot = fileURLToPath(new URL('../../../test-results/harness-wasm', import.meta.url));

/** The harness at `origin`/index.html, until close(). */
export async function serveWasmHarness(): Promise<{ origin: string; close(): Promise<void> }> {
  await build({ configFile: harnessConfig, logLevel: 'warn' });
  const server = await buildServer({ webRoot: harnessRoot });
  const origin = await server.listen({ port: 0, host: '127.0.0.1' });
  return { origin, close: () => server.close() };
}
