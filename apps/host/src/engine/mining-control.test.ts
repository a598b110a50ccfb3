// The shared nonce counter: offsets past the end of a full uint32 range must not wrap to its start.
import { describe, expect, it } from 'vitest';
import { MiningControl } from './mining-control.js';

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
});
