// @ts-check
// Step logging for the set-up scripts: one line when a step starts, one when it ends, with its time.

const startedAt = Date.now();

/** @param {number} ms */
export function formatDuration(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** @param {string} message */
export function info(message) {
  process.stdout.write(`[rxmesh ${formatDuration(Date.now() - startedAt).padStart(8)}] ${message}\n`);
}

/**
 * Runs one named step and reports how long it took.
 * @template T
 * @param {string} name
 * @param {() => Promise<T> | T} work
 * @returns {Promise<T>}
 */
export async function step(name, work) {
  const begin = Date.now();
  info(`${name} …`);
  const result = await work();
  info(`${name}: done in ${formatDuration(Date.now() - begin)}`);
  return result;
}

/**
 * Prints a message a person can act on and exits non-zero.
 * @param {string} message
 * @returns {never}
 */
export function fail(message) {
  process.stderr.write(`\n[rxmesh] ${message}\n\n`);
  process.exit(1);
}
