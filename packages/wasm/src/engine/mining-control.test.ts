// The shared nonce counter: offsets past the end of a full uint32 range must not wrap to its start. The throttle:
// a duty cycle every view shares, and rests that a stop request cuts short.
import { describe, expect, it } from 'vitest';
import { MiningControl } from './mining-control.js';

/** How long `rest` blocks this thread, in milliseconds. */
function timed(rest: () => void): number {
  const begin = performance.now();
  rest();
  return performance.now() - begin;
}

describe('MiningControl', () => {
  it('hands out offsets past 2^32 without wrapping around', () => {
    const control = new MiningControl();
    control.reset();
    expect(control.take(2 ** 32 - 2)).toBe(0);
    expect(control.take(4)).toBe(2 ** 32 - 2);
    expect(control.take(4)).toBe(2 ** 32 + 2);
  });

  it('shares its counter and stop flag with every view of the same buffer, and reset() clears both', () => {
    const control = new MiningControl();
    const otherThread = new MiningControl(control.buffer);
    control.reset();
    control.take(8);
    control.requestStop();
    expect(otherThread.stopRequested).toBe(true);
    expect(otherThread.take(4)).toBe(8);
    otherThread.reset();
    expect(control.stopRequested).toBe(false);
    expect(control.take(4)).toBe(0);
  });

  it('starts at full speed and shares a duty cycle that outlives reset()', () => {
    const control = new MiningControl();
    const otherThread = new MiningControl(control.buffer);
    expect(otherThread.duty).toBe(1);
    control.duty = 0.25;
    control.reset();
    expect(otherThread.duty).toBe(0.25);
  });

  it('refuses a duty cycle outside (0, 1]', () => {
    const control = new MiningControl();
    for (const duty of [0, -0.5, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => {
        control.duty = duty;
      }).toThrow(/share of time above 0 and at most 1/);
    }
    expect(control.duty).toBe(1);
  });

  it('rests (1 - duty) / duty of the work time, not at all at full speed, and not once a stop is requested', () => {
    const control = new MiningControl();
    control.reset();
    expect(timed(() => control.rest(1000))).toBeLessThan(20);
    control.duty = 0.5;
    const rested = timed(() => control.rest(60));
    expect(rested).toBeGreaterThanOrEqual(55);
    expect(rested).toBeLessThan(200);
    control.duty = 0.2;
    expect(timed(() => control.rest(15))).toBeGreaterThanOrEqual(55);
    control.requestStop();
    expect(timed(() => control.rest(1000))).toBeLessThan(20);
  });
});
