// @ts-check
// A vitest reporter that writes what fails a run without failing a test: unhandled errors, and test files whose
// worker process died before they finished. Vitest prints these far above the end of a long log, and for a dead
// worker names neither the file nor the test; the test summary reads this file to name them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const UNHANDLED_ERRORS_FILE = join(repoRoot, 'test-results/unit-unhandled.json');

export default class UnhandledErrorsReporter {
  /**
   * @param {readonly import('vitest/node').TestModule[]} testModules
   * @param {readonly Record<string, string | undefined>[]} unhandledErrors
   */
  onTestRunEnd(testModules, unhandledErrors) {
    mkdirSync(dirname(UNHANDLED_ERRORS_FILE), { recursive: true });
    // A file still pending at the end lost its worker: the first of its tests without a result was running.
    const deadFiles = testModules
      .filter((module) => module.state() === 'pending')
      .map((module) => {
        const running = [...module.children.allTests()].find((test) => test.result().state === 'pending');
        const where = [relative(repoRoot, module.moduleId), running?.fullName].filter(Boolean).join(' › ');
        return (
          `${where}: its test process exited while this ran, without a JavaScript error. Native code crashed or ` +
          `the system killed the process.${kernelLogOfCrashes()}`
        );
      });
    // Vitest marks an error with the file and test that were running when it was thrown, where it knows them. Its
    // own error for a dead worker names neither, and is the same event as a dead file above.
    const errors = unhandledErrors
      .filter((error) => deadFiles.length === 0 || !isWorkerExit(error))
      .map((error) => {
        const where = [error.VITEST_TEST_PATH, error.VITEST_TEST_NAME].filter(Boolean).join(' › ');
        const what = error.stack ?? `${error.name ?? 'Error'}: ${error.message ?? ''}`;
        return where ? `${where}: ${what}` : what;
      });
    errors.push(...deadFiles);
    writeFileSync(UNHANDLED_ERRORS_FILE, JSON.stringify(errors, null, 2));
  }
}

/** @param {Record<string, unknown>} error */
function isWorkerExit(error) {
  const cause = /** @type {{ message?: string } | undefined} */ (error.cause);
  return cause?.message === 'Worker exited unexpectedly';
}

/** The kernel's last lines about crashed or killed processes, where this machine lets us read them. */
function kernelLogOfCrashes() {
  try {
    const lines = execFileSync('dmesg', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((line) => /segfault|general protection|trap|out of memory|killed process/i.test(line));
    return lines.length > 0
      ? ` The kernel log says:\n${lines.slice(-4).join('\n')}`
      : ' The kernel log says nothing of it.';
  } catch {
    return ' Look for a crash or the OOM killer in the kernel log (dmesg).';
  }
}
