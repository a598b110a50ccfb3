import { describe, expect, it } from 'vitest';
import { IDLE_TITLE, pageTitle } from './title.js';

describe('pageTitle', () => {
  it('shows the pick and the hashrate while mining', () => {
    expect(pageTitle({ activity: 'mining', hashrate: 41.2 })).toBe('⛏ 41.2 H/s · rxmesh');
  });

  it('marks a starting or paused miner, so no state that holds workers looks idle', () => {
    expect(pageTitle({ activity: 'starting' })).toMatch(/^⛏ .*starting/);
    expect(pageTitle({ activity: 'paused' })).toMatch(/^⏸ .*paused/);
  });

  it('has no mining mark when nothing runs', () => {
    expect(pageTitle({ activity: 'idle' })).toBe(IDLE_TITLE);
    expect(IDLE_TITLE).not.toMatch(/⛏|⏸/);
  });
});
