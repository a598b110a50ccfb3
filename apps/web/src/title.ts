// The tab title says when this tab mines, so a miner in a background tab is never a secret.
import { formatHashrate } from './format.js';

export const IDLE_TITLE = 'rxmesh: volunteer RandomX cluster';
export const CLASSROOM_TITLE = 'Classroom · rxmesh';

export type TitleStatus =
  | { activity: 'idle' }
  | { activity: 'starting' }
  | { activity: 'mining'; hashrate: number }
  | { activity: 'paused' };

export function pageTitle(status: TitleStatus): string {
  switch (status.activity) {
    case 'idle':
      return IDLE_TITLE;
    case 'starting':
      return '⛏ starting · rxmesh';
    case 'mining':
      return `⛏ ${formatHashrate(status.hashrate)} · rxmesh`;
    case 'paused':
      return '⏸ paused · rxmesh';
  }
}
