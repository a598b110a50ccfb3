import { describe, expect, it } from 'vitest';
import { BACKOFF_JITTER, backoffDelay, formatDelay } from './backoff.js';

const backoff = { initialMs: 500, maxMs: 30_000 };

describe('backoffDelay', () => {
  it('doubles from the first wait up to the cap when the random number is 0', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 100, 10_000].map((failures) => backoffDelay(backoff, failures, 0));
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  });

  it('takes off at most half of each wait, in proportion to the random number', () => {
    expect(BACKOFF_JITTER).toBe(0.5);
    expect(backoffDelay(backoff, 1, 0.5)).toBe(375);
    expect(backoffDelay(backoff, 3, 0.25)).toBe(1750);
    expect(backoffDelay(backoff, 20, 0.999_999)).toBe(15_000);
    for (let failures = 1; failures <= 12; failures++) {
      const plain = backoffDelay(backoff, failures, 0);
      for (const random of [0, 0.1, 0.37, 0.5, 0.9, 0.999]) {
        const wait = backoffDelay(backoff, failures, random);
        expect(Number.isInteger(wait)).toBe(true);
        expect(wait).toBeLessThanOrEqual(plain);
        expect(wait).toBeGreaterThanOrEqual(plain / 2);
      }
    }
  });

  it('refuses a failure count below 1 and a random number outside [0, 1)', () => {
    expect(() => backoffDelay(backoff, 0, 0)).toThrow(/counts failures from 1/);
    expect(() => backoffDelay(backoff, 1.5, 0)).toThrow(/counts failures from 1/);
    expect(() => backoffDelay(backoff, 1, 1)).toThrow(/in \[0, 1\)/);
    expect(() => backoffDelay(backoff, 1, -0.1)).toThrow(/in \[0, 1\)/);
    expect(() => backoffDelay(backoff, 1, Number.NaN)).toThrow(/in \[0, 1\)/);
  });
});

describe('formatDelay', () => {
  it('says milliseconds below a second and seconds from one', () => {
    expect([0, 250, 999, 1000, 1500, 2000, 30_000].map(formatDelay)).toEqual([
      '0 ms',
      '250 ms',
      '999 ms',
      '1 s',
      '1.5 s',
      '2 s',
      '30 s',
    ]);
  });
});
