// @ts-check
// Child processes for the set-up scripts: output streams straight through so long steps show progress.
import { spawn, spawnSync } from 'node:child_process';

/**
 * Runs a command with inherited stdio and resolves when it exits 0.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} [options]
 * @returns {Promise<void>}
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/**
 * Runs a short command and returns its stdout, or null when it cannot run or fails.
 * @param {string} command
 * @param {string[]} args
 * @returns {string | null}
 */
export function capture(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout : null;
}
