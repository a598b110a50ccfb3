import { describe, expect, it } from 'vitest';
import { NO_FIGURES } from '../mining/session.js';
import { initialState, type TabMinerState } from '../mining/tab-miner.js';
import { liveSummary } from './rx-dashboard.js';
import { chartSummary } from './rx-hashrate-chart.js';
import { activityText } from './rx-mining-bar.js';

function state(patch: Partial<TabMinerState>): TabMinerState {
  return { ...initialState(4, true), phase: 'ready', ...patch };
}

describe('what the mining bar says', () => {
  it('names the rate while mining, and every reason while paused', () => {
    expect(activityText('mining', 41.2, [], false)).toBe('Mining at 41.2 H/s');
    expect(activityText('mining', 0, ['hidden', 'battery'], false)).toBe(
      'Paused while this tab is hidden and the device runs on battery',
    );
    expect(activityText('mining', 0, [], true)).toBe('Preparing RandomX…');
    expect(activityText('stopping', 41.2, [], false)).toBe('Stopping every worker…');
  });
});

describe('what screen readers hear', () => {
  it('announces state and share counts, not the hashrate that changes every second', () => {
    const figures = { ...NO_FIGURES, hashrate: 41.2, hashes: 900, sharesAccepted: 3, sharesRejected: 1 };
    const mining = liveSummary(state({ phase: 'mining', figures }));
    expect(mining).toBe('Mining. 3 shares accepted, 1 rejected.');
    expect(liveSummary(state({ phase: 'mining', figures, pausedFor: ['hidden'] }))).toMatch(/^Mining is paused\./);
    expect(liveSummary(state({ phase: 'ready' }))).toBe('');
    expect(liveSummary(state({ phase: 'ready', figures }))).toMatch(/^Mining stopped\./);
  });

  it('sums up the chart in words', () => {
    expect(chartSummary({ times: [], rates: [] })).toBe('Hashrate chart: no samples yet.');
    expect(chartSummary({ times: [1, 2, 3], rates: [10, 30, 20] })).toBe(
      'Hashrate over the last 3 seconds: now 20 H/s, highest 30 H/s.',
    );
  });
});
