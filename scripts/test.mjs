// @ts-check
// `npm test` after set-up: typecheck, lint, unit and integration tests (vitest), browser tests (Playwright).
// Every stage runs even when an earlier one fails, and the run ends with one "N passed, N failed" line.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { formatDuration, info } from './lib/log.mjs';
import { run } from './lib/run.mjs';
import { UNHANDLED_ERRORS_FILE } from './lib/unhandled-errors-reporter.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = (/** @type {string} */ name) => join(repoRoot, 'node_modules/.bin', name);
const unitReport = join(repoRoot, 'test-results/unit-report.json');
const e2eReport = join(repoRoot, 'test-results/e2e-report.json');

/**
 * A failed vitest test's first message. Vitest reports a test's timeout by the stack of the error it made when the
 * test was declared, whose first line is that error's placeholder text: say what happened instead.
 * @param {{ failureMessages: string[], duration?: number }} test
 */
function failureText(test) {
  const message = test.failureMessages[0] ?? '';
  return message.startsWith('Error: STACK_TRACE_ERROR')
    ? message.replace(
        'Error: STACK_TRACE_ERROR',
        `the test ran into its timeout after ${formatDuration(test.duration ?? 0)}; it was declared`,
      )
    : message;
}

/**
 * @type {{
 *   name: string,
 *   commands: [string, string[]][],
 *   concurrency?: number,
 *   counts?: () => { passed: number, failed: number, skipped: number, failures: string[] },
 * }[]}
 */
const stages = [
  {
    name: 'typecheck',
    // Each project is a single-threaded compiler over what set-up built: two run at once, one per core.
    concurrency: 2,
    commands: [
      [bin('tsc'), ['-b']],
      [bin('tsc'), ['-p', 'apps/web', '--noEmit']],
      [bin('tsc'), ['-p', 'scripts']],
      [bin('tsc'), ['-p', 'e2e']],
      [bin('tsc'), ['-p', 'tsconfig.tests.json']],
    ],
  },
  {
    name: 'lint (biome, sans-IO core)',
    commands: [
      [bin('biome'), ['check', '.']],
      [process.execPath, [join(repoRoot, 'scripts/lint-sans-io.mjs')]],
    ],
  },
  {
    name: 'unit and integration (vitest)',
    commands: [
      [
        bin('vitest'),
        [
          'run',
          '--reporter=default',
          '--reporter=json',
          `--outputFile=${unitReport}`,
          `--reporter=${join(repoRoot, 'scripts/lib/unhandled-errors-reporter.mjs')}`,
        ],
      ],
    ],
    counts: () => {
      const report = JSON.parse(readFileSync(unitReport, 'utf8'));
      /** @type {string[]} */
      const unhandled = JSON.parse(readFileSync(UNHANDLED_ERRORS_FILE, 'utf8'));
      // A suite that fails to load fails no test, and an unhandled error fails the run but no test: count them.
      const failed =
        (report.numFailedTests || (report.success ? 0 : Math.max(1, report.numFailedTestSuites))) + unhandled.length;
      /** @type {string[]} */
      const failures = unhandled.map((error) => `unhandled error (vitest fails the run on it): ${error}`);
      for (const file of report.testResults) {
        const where = relative(repoRoot, file.name);
        if (file.status === 'failed' && file.assertionResults.length === 0) failures.push(`${where}: ${file.message}`);
        for (const test of file.assertionResults) {
          if (test.status === 'failed') failures.push(`${where} › ${test.fullName}: ${failureText(test)}`);
        }
      }
      return { passed: report.numPassedTests, failed, skipped: report.numPendingTests, failures };
    },
  },
  {
    name: 'browser (playwright, Debian chromium)',
    commands: [[bin('playwright'), ['test']]],
    counts: () => {
      const { stats, suites, config } = JSON.parse(readFileSync(e2eReport, 'utf8'));
      /** @type {string[]} */
      const failures = [];
      /** @param {any} suite */
      const visit = (suite) => {
        for (const spec of suite.specs ?? []) {
          if (spec.ok) continue;
          const error = spec.tests
            .flatMap((/** @type {any} */ test) => test.results)
            .find((/** @type {any} */ result) => result.error)?.error;
          failures.push(
            `${relative(repoRoot, join(config.rootDir, spec.file))}:${spec.line} › ${spec.title}: ${error?.message ?? 'did not pass'}`,
          );
        }
        for (const child of suite.suites ?? []) visit(child);
      };
      for (const suite of suites) visit(suite);
      return { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped, failures };
    },
  },
];

rmSync(unitReport, { force: true });
rmSync(UNHANDLED_ERRORS_FILE, { force: true });
rmSync(e2eReport, { force: true });
// The browser tests' server keeps its cluster key between runs, but starts each run with an empty ledger.
for (const file of ['ledger.sqlite', 'ledger.sqlite-wal', 'ledger.sqlite-shm']) {
  rmSync(join(repoRoot, 'test-results/e2e-serve', file), { force: true });
}

const results = [];
for (const stage of stages) {
  const begin = Date.now();
  info(`${stage.name} …`);
  let ok = true;
  const waiting = [...stage.commands];
  const runNext = async () => {
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
      const [command, args] = next;
      try {
        await run(command, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
      } catch {
        ok = false;
      }
    }
  };
  await Promise.all(Array.from({ length: stage.concurrency ?? 1 }, runNext));
  let counts;
  try {
    counts = stage.counts?.();
  } catch {
    ok = false; // the runner died before writing its report
  }
  results.push({ name: stage.name, ok, counts, ms: Date.now() - begin });
}

process.stdout.write('\nrxmesh test summary\n');
for (const { name, ok, counts, ms } of results) {
  const skipped = counts?.skipped ? `, ${counts.skipped} skipped` : '';
  const detail = counts ? `${counts.passed} passed, ${counts.failed} failed${skipped}` : ok ? 'clean' : 'FAILED';
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(40)} ${detail.padEnd(36)} ${formatDuration(ms)}\n`);
}
// The first lines of each failure, so that the end of a long log says what broke.
for (const failure of results.flatMap(({ counts }) => counts?.failures ?? [])) {
  const lines = stripVTControlCharacters(failure).split('\n').slice(0, 6);
  process.stdout.write(`\n  failed: ${lines.join('\n          ')}\n`);
}
const passed = results.reduce((sum, { counts }) => sum + (counts?.passed ?? 0), 0);
const failed = results.reduce((sum, { counts }) => sum + (counts?.failed ?? 0), 0);
const allOk = results.every(({ ok }) => ok) && existsSync(unitReport) && existsSync(e2eReport);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(allOk && failed === 0 ? 0 : 1);
