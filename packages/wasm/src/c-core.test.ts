// The C core's own tests, compiled natively with gcc (librandomx is the oracle where one compares against it).
import { describe, expect, it } from 'vitest';
import { runCTest, TESTS } from '../ctest/run.mjs';

describe('C core, native build', () => {
  for (const name of Object.keys(TESTS)) {
    it(`${name} tests pass`, { timeout: 300_000 }, () => {
      const { status, output } = runCTest(name);
      const summary = /^(\d+) passed, (\d+) failed$/m.exec(output);
      expect(summary, output).not.toBeNull();
      expect(Number(summary?.[1])).toBeGreaterThan(0);
      expect({ failed: Number(summary?.[2]), status }, output).toEqual({ failed: 0, status: 0 });
    });
  }
});
