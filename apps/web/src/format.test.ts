import { describe, expect, it } from 'vitest';
import { formatAgo, formatCount, formatDecimal, formatHashrate, formatPercent } from './format.js';

describe('formatHashrate', () => {
  it('keeps three significant digits and moves to the next prefix at each thousand', () => {
    expect(formatHashrate(0)).toBe('0 H/s');
    expect(formatHashrate(41.23)).toBe('41.2 H/s');
    expect(formatHashrate(999)).toBe('999 H/s');
    expect(formatHashrate(1234)).toBe('1.23 kH/s');
    expect(formatHashrate(2_500_000)).toBe('2.5 MH/s');
  });

  it('does not print 1000 of a prefix when rounding reaches it', () => {
    expect(formatHashrate(999.96)).toBe('1 kH/s');
  });

  it('shows rates below one hash per second with two decimals', () => {
    expect(formatHashrate(0.456)).toBe('0.46 H/s');
  });

  it('reads nonsense as zero rather than printing NaN', () => {
    expect(formatHashrate(Number.NaN)).toBe('0 H/s');
    expect(formatHashrate(-3)).toBe('0 H/s');
  });
});

describe('formatCount', () => {
  it('groups digits and rounds to whole counts', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(12.6)).toBe('13');
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe('0');
  });
});

describe('formatDecimal', () => {
  it('is exact below a million and prefixed above, even past 2^53', () => {
    expect(formatDecimal('4096')).toBe('4,096');
    expect(formatDecimal('350000000000')).toBe('350 G');
    expect(formatDecimal('123456789012345678901')).toBe('123 E');
  });

  it('passes anything that is not a decimal through unchanged', () => {
    expect(formatDecimal('unknown')).toBe('unknown');
  });
});

describe('formatPercent and formatAgo', () => {
  it('rounds fractions to whole percents', () => {
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(0.333)).toBe('33%');
  });

  it('says how long ago in the largest whole unit', () => {
    expect(formatAgo(500)).toBe('just now');
    expect(formatAgo(12_400)).toBe('12 s ago');
    expect(formatAgo(5 * 60_000 + 10)).toBe('5 min ago');
    expect(formatAgo(3 * 3_600_000)).toBe('3 h ago');
    expect(formatAgo(72 * 3_600_000)).toBe('3 d ago');
  });
});
