// @ts-check
// A vitest reporter that writes the run's unhandled errors to a file. Vitest fails a run on them without failing a
// test, and prints them far above the end of a long log; the test summary reads this file to name them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UNHANDLED_ERRORS_FILE = join(
  fileURLToPath(new URL('../..', import.meta.url)),
  'test-results/unit-unhandled.json',
);

export default class UnhandledErrorsReporter {
  /**
   * @param {readonly unknown[]} _testModules
   * @param {readonly Record<string, string | undefined>[]} unhandledErrors
   */
  onTestRunEnd(_testModules, unhandledErrors) {
    mkdirSync(dirname(UNHANDLED_ERRORS_FILE), { recursive: true });
    // Vitest marks an error with the file and test that were running when it was thrown, where it knows them.
    const errors = unhandledErrors.map((error) => {
      const where = [error.VITEST_TEST_PATH, error.VITEST_TEST_NAME].filter(Boolean).join(' › ');
      const what = error.stack ?? `${error.name ?? 'Error'}: ${error.message ?? ''}`;
      return where ? `${where}: ${what}` : what;
    });
    writeFileSync(UNHANDLED_ERRORS_FILE, JSON.stringify(errors, null, 2));
  }
}
