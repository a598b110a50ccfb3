// Test support: the real `rxmesh` executable (bin/rxmesh.js over the compiled dist/), run as a user would.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RXMESH_BIN = fileURLToPath(new URL('../bin/rxmesh.js', import.meta.url));

/** Runs rxmesh to the end, with `input` on stdin; answers its exit code and output. */
export function rxmesh(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [RXMESH_BIN, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
