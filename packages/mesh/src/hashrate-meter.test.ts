import { describe, expect, it } from 'vitest';
import { HashrateMeter, LONGEST_WINDOW_MS } from './hashrate-meter.js';

describe('HashrateMeter', () => {
  it('measures the batches of the last 10 s, each spread over its duration', () => {
    const meter = new HashrateMeter();
    expect(meter.rate()).toBe(0);
    meter.record(0, 2000, 2000);
    meter.record(2000, 4000, 4000);
    expect(meter.rate()).toBe(1500);
    // Half of the first batch lies inside the window that ends at 11 s.
    expect(meter.rate(11_000)).toBeCloseTo((1000 * (1000 + 4000)) / 10_000);
    expect(meter.rate(20_000)).toBe(0);
  });

  it('holds the figure at the last batch end by default, for while a batch runs', () => {
    const meter = new HashrateMeter();
    meter.record(0, 2000, 1000);
    expect(meter.rate()).toBe(500);
    expect(meter.rate(4000)).toBe(250);
    expect(meter.rate()).toBe(500);
  });

  it('forgets the rate when paused and measures nothing until resumed, while counting every hash', () => {
    const meter = new HashrateMeter();
    meter.record(0, 2000, 2000);
    meter.pause();
    expect(meter.rate()).toBe(0);
    // The batch the pause cut short.
    meter.record(2000, 2100, 100);
    expect(meter.rate()).toBe(0);
    meter.resume();
    meter.record(5000, 7000, 4000);
    expect(meter.rate()).toBe(2000);
    expect(meter.totalHashes).toBe(6100);
    expect(meter.miningMs).toBe(4100);
  });
});

describe('HashrateMeter over longer windows', () => {
  it('gives 60 s and 15 min rates once it has measured that long, and drops batches older than 15 min', () => {
    const meter = new HashrateMeter();
    // 2 s batches: 100 H/s for the first 5 minutes, then 300 H/s for 11 minutes.
    for (let t = 0; t < 300_000; t += 2000) meter.record(t, t + 2000, 200);
    expect(meter.rateOver(60_000)).toBeCloseTo(100);
    expect(meter.rateOver(LONGEST_WINDOW_MS)).toBeNull();
    for (let t = 300_000; t < 960_000; t += 2000) meter.record(t, t + 2000, 600);
    expect(meter.rate()).toBeCloseTo(300);
    expect(meter.rateOver(60_000)).toBeCloseTo(300);
    // The last 15 min: 4 min at 100 H/s and 11 min at 300 H/s.
    expect(meter.rateOver(LONGEST_WINDOW_MS)).toBeCloseTo((4 * 100 + 11 * 300) / 15);
    // The first minute is gone: the meter now spans exactly 15 min.
    expect(meter.rateOver(LONGEST_WINDOW_MS + 2000)).toBeNull();
  });
});
