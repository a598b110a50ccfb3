// This peer's own hashrate, measured once from the batches its engine hashes: the figure user interfaces show, the
// status line logs and the mining driver sizes its next batch by. (The coordinator measures each peer separately,
// from accepted shares: core's WorkMeter.)

/** The own hashrate is measured over the batches of this long. */
const RATE_WINDOW_MS = 10_000;
/** The longest window asked for (xmrig's API reports 10 s, 60 s and 15 min): older batches are dropped. */
export const LONGEST_WINDOW_MS = 15 * 60_000;

interface MeasuredBatch {
  begin: number;
  end: number;
  hashes: number;
}

export class HashrateMeter {
  private batches: MeasuredBatch[] = [];
  private paused = false;
  /** Every nonce hashed since the start. */
  totalHashes = 0;
  /** Milliseconds spent inside the engine's mine() since the start: the rest of the time it had no work. */
  miningMs = 0;

  /** A batch that ran from `begin` to `end` (performance.now() milliseconds), also one cut short. */
  record(begin: number, end: number, hashes: number): void {
    this.miningMs += end - begin;
    this.totalHashes += hashes;
    // The batch paused mining cut short is not this peer's rate once mining resumes.
    if (!this.paused) this.batches.push({ begin, end, hashes });
  }

  /** Forgets the rate at once, and measures nothing until resume(). */
  pause(): void {
    this.paused = true;
    this.batches = [];
  }

  resume(): void {
    this.paused = false;
  }

  /**
   * Hashes per second over the batches of the `windowMs` (10 s by default) that end at `until`, each batch's hashes
   * spread over its duration. By default the window ends where the last batch did: while a batch runs its hashes are
   * not known yet, so the figure holds steady from batch to batch.
   */
  rate(until = this.batches.at(-1)?.end, windowMs = RATE_WINDOW_MS): number {
    if (until === undefined) return 0;
    const from = until - windowMs;
    this.batches = this.batches.filter((batch) => batch.end > until - LONGEST_WINDOW_MS);
    const inWindow = this.batches.filter((batch) => batch.end > from);
    const [first] = inWindow;
    if (first === undefined) return 0;
    let hashes = 0;
    for (const batch of inWindow) {
      const length = batch.end - batch.begin;
      const inside = Math.min(batch.end, until) - Math.max(batch.begin, from);
      hashes += length > 0 ? (batch.hashes * Math.max(0, inside)) / length : batch.hashes;
    }
    const span = until - Math.max(from, first.begin);
    return span > 0 ? (1000 * hashes) / span : 0;
  }

  /** rate() over `windowMs`, or null until the batches measured since the start (or resume) span that long. */
  rateOver(windowMs: number): number | null {
    const [first] = this.batches;
    const last = this.batches.at(-1);
    if (first === undefined || last === undefined || last.end - first.begin < windowMs) return null;
    return this.rate(last.end, windowMs);
  }
}
