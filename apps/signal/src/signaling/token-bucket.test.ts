import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst of `capacity`, then refills at `perSecond` up to capacity', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    const takeAll = () => {
      let taken = 0;
      while (taken < 100 && bucket.take()) taken++;
      return taken;
    };
    expect(takeAll()).toBe(3);
    now += 499;
    expect(bucket.take()).toBe(false);
    now += 1; // 500 ms at 2 per second: one token
    expect(takeAll()).toBe(1);
    now += 60_000; // a long pause refills only to capacity
    expect(takeAll()).toBe(3);
  });
});
