import { describe, expect, it } from 'vitest';
import {
  clampDuty,
  clampThreads,
  cleanName,
  coreCount,
  DUTY_MIN,
  defaultSettings,
  NAME_MAX_LENGTH,
  parseSettings,
} from './settings.js';

describe('mining settings', () => {
  it('defaults to one thread fewer than the cores, and never below one', () => {
    expect(defaultSettings(8).threads).toBe(7);
    expect(defaultSettings(2).threads).toBe(1);
    expect(defaultSettings(1).threads).toBe(1);
  });

  it('reads a missing or odd core count as one core', () => {
    expect(coreCount(undefined)).toBe(1);
    expect(coreCount(0)).toBe(1);
    expect(coreCount(2.5)).toBe(1);
    expect(coreCount(12)).toBe(12);
  });

  it('keeps threads between one and the core count', () => {
    expect(clampThreads(0, 4)).toBe(1);
    expect(clampThreads(9, 4)).toBe(4);
    expect(clampThreads(2.6, 4)).toBe(3);
    expect(clampThreads(Number.NaN, 4)).toBe(3);
  });

  it('keeps the duty cycle between 10% and 100% on 10% steps', () => {
    expect(clampDuty(0)).toBe(DUTY_MIN);
    expect(clampDuty(1.7)).toBe(1);
    expect(clampDuty(0.4999)).toBe(0.5);
    expect(clampDuty(0.34)).toBe(0.3);
    expect(clampDuty(Number.NaN)).toBe(1);
  });

  it('parses stored settings field by field, replacing what is unusable', () => {
    expect(
      parseSettings(
        { name: ' Ada ', threads: 2, duty: 0.5, pauseWhenHidden: true, pauseOnBattery: false, fullMode: true },
        4,
      ),
    ).toEqual({
      name: 'Ada',
      threads: 2,
      duty: 0.5,
      pauseWhenHidden: true,
      pauseOnBattery: false,
      fullMode: true,
    });
    // Settings stored before full mode existed, or garbage in its place, leave it off.
    expect(defaultSettings(4).fullMode).toBe(false);
    expect(parseSettings({ name: 7, threads: 64, duty: 'fast', pauseWhenHidden: 1, fullMode: 'yes' }, 4)).toEqual({
      ...defaultSettings(4),
      threads: 4,
    });
    expect(parseSettings(null, 4)).toEqual(defaultSettings(4));
  });

  it('cleans a leaderboard name to one line within the protocol limit', () => {
    expect(cleanName('  Ada\n  Lovelace\u0000 ')).toBe('Ada Lovelace');
    expect(cleanName('x'.repeat(60))).toHaveLength(NAME_MAX_LENGTH);
    // 39 letters and a two-unit emoji would be 41 units: the emoji goes whole, not half.
    const cut = cleanName(`${'a'.repeat(39)}😀`);
    expect(cut).toBe('a'.repeat(39));
    expect(cleanName(`${'a'.repeat(38)}😀`)).toHaveLength(NAME_MAX_LENGTH);
  });
});
