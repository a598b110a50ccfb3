import { describe, expect, it } from 'vitest';
import { WorkMeter } from './work-meter.js';

const WINDOW = 60_000;

describe('the work meter', () => {
  it('says nothing before it starts, and nothing before a whole window has passed', () => {
    const meter = new WorkMeter(WINDOW);
    meter.add(0, 1_000_000); // before the first lease: not counted
    expect(meter.rate(WINDOW * 5)).toBeUndefined();
    meter.start(WINDOW * 5);
    meter.add(WINDOW * 5 + 1000, 600_000);
    expect(meter.rate(WINDOW * 6 - 1)).toBeUndefined();
    expect(meter.rate(WINDOW * 6)).toBe(10_000);
  });

  it('starts once: a later start does not restart the window', () => {
    const meter = new WorkMeter(WINDOW);
    meter.start(0);
    meter.add(10_000, 60_000);
    meter.start(50_000);
    expect(meter.rate(WINDOW)).toBe(1000);
  });

  it('measures over the last one to two windows', () => {
    const meter = new WorkMeter(WINDOW);
    meter.start(0);
    for (let t = 500; t < 60_000; t += 1000) meter.add(t, 100); // 100 H/s for a minute
    expect(meter.rate(60_000)).toBeCloseTo(100, 6);
    for (let t = 60_500; t < 90_000; t += 1000) meter.add(t, 400); // then 400 H/s for half a minute
    // The previous window and the current one: (6000 + 12 000) / 90 s.
    expect(meter.rate(90_000)).toBeCloseTo(18_000 / 90, 6);
    for (let t = 90_500; t < 120_000; t += 1000) meter.add(t, 400);
    // At two windows the first one is dropped: only the 400 H/s minute counts.
    expect(meter.rate(120_000)).toBeCloseTo(24_000 / 60, 6);
  });

  it('decays when shares stop', () => {
    const meter = new WorkMeter(WINDOW);
    meter.start(0);
    meter.add(30_000, 600_000);
    expect(meter.rate(WINDOW)).toBe(10_000);
    // A window with nothing: half the rate over two windows.
    expect(meter.rate(2 * WINDOW - 1)).toBeCloseTo(600_000_000 / (2 * WINDOW - 1), 6);
    expect(meter.rate(2 * WINDOW + 1)).toBe(0);
    // Long silence: nothing, however long.
    expect(meter.rate(100 * WINDOW)).toBe(0);
    meter.add(100 * WINDOW + 1, 60_000);
    expect(meter.rate(101 * WINDOW)).toBeCloseTo(1000, 6);
  });
});
