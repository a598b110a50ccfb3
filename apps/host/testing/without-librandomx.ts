// Runs a Node process as on a machine without Debian's librandomx: a mount namespace hides the library from that
// process tree only. Needs root (as the set-up does); tests skip where `unshare` is not permitted.
import { spawnSync } from 'node:child_process';

const LIBRARY = '/usr/lib/x86_64-linux-gnu/librandomx.so.0';

export const canHideLibrandomx =
  spawnSync('unshare', ['--mount', 'mount', '--bind', '/dev/null', LIBRARY]).status === 0;

export function nodeWithoutLibrandomx(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const script = `mount --bind /dev/null ${LIBRARY} && exec "$0" "$@"`;
  const result = spawnSync('unshare', ['--mount', 'sh', '-c', script, process.execPath, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
