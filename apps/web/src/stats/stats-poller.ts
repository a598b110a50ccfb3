// Reads /api/stats about once a second while anyone listens; one request at a time, never overlapping.
import { type ClusterStatsAnswer, parseClusterStats } from './cluster-stats.js';

export interface StatsState {
  stats: ClusterStatsAnswer | null;
  /** A sentence for the page while the server cannot be read; null when the last read worked. */
  error: string | null;
  /** When the last good answer arrived (milliseconds since the epoch), or null before the first. */
  updatedAt: number | null;
}

const STATS_URL = '/api/stats';
const POLL_INTERVAL_MS = 1000;
/** A read that takes longer is given up, so a stalled server shows as unreachable rather than frozen figures. */
const REQUEST_TIMEOUT_MS = 5000;

export type FetchLike = (url: string, init: { signal: AbortSignal; cache: 'no-store' }) => Promise<Response>;

export class StatsPoller {
  private current: StatsState = { stats: null, error: null, updatedAt: null };
  private readonly listeners = new Set<(state: StatsState) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;

  constructor(
    private readonly fetchStats: FetchLike = (url, init) => fetch(url, init),
    private readonly intervalMs = POLL_INTERVAL_MS,
  ) {}

  get state(): StatsState {
    return this.current;
  }

  /** The first listener starts polling and the last one to leave stops it. */
  subscribe(listener: (state: StatsState) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) void this.poll();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.halt();
    };
  }

  private halt(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  private async poll(): Promise<void> {
    const controller = new AbortController();
    this.inFlight = controller;
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await this.fetchStats(STATS_URL, { signal: controller.signal, cache: 'no-store' });
      if (!response.ok) throw new Error(`The server answered /api/stats with HTTP ${response.status}.`);
      const stats = parseClusterStats(await response.json());
      this.publish({ stats, error: null, updatedAt: Date.now() });
    } catch (error) {
      if (this.inFlight !== controller) return; // halted meanwhile
      const reason = error instanceof Error && error.name !== 'AbortError' ? ` (${error.message})` : '';
      this.publish({
        ...this.current,
        error: `Cannot reach the rxmesh server${reason}. The figures below may be out of date; retrying.`,
      });
    } finally {
      clearTimeout(timeout);
    }
    if (this.inFlight !== controller) return;
    this.inFlight = undefined;
    this.timer = setTimeout(() => void this.poll(), this.intervalMs);
  }

  private publish(state: StatsState): void {
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}
