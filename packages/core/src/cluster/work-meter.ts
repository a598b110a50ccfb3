// The hashrate the coordinator measures for a peer: the work of its accepted shares (each share's difficulty is
// the hashes it stands for, on average) over two consecutive windows. It says nothing until a whole window has
// passed, so a peer's first shares, lucky or not, never size its leases alone.

export class WorkMeter {
  private current: { start: number; work: number } | null = null;
  private previous: { start: number; work: number } | null = null;

  constructor(private readonly windowMs: number) {}

  /** Starts measuring, once: from the peer's first lease. */
  start(now: number): void {
    this.current ??= { start: now, work: 0 };
  }

  add(now: number, work: number): void {
    this.roll(now);
    if (this.current !== null) this.current.work += work;
  }

  /** Hashes per second over the last one to two windows; undefined before a whole window has passed. */
  rate(now: number): number | undefined {
    this.roll(now);
    if (this.current === null) return undefined;
    const since = this.previous?.start ?? this.current.start;
    const elapsed = now - since;
    if (elapsed < this.windowMs) return undefined;
    return (1000 * ((this.previous?.work ?? 0) + this.current.work)) / elapsed;
  }

  private roll(now: number): void {
    if (this.current === null || now - this.current.start < this.windowMs) return;
    // A whole window without shares since: the previous window counts as empty.
    this.previous =
      now - this.current.start < 2 * this.windowMs ? this.current : { start: now - this.windowMs, work: 0 };
    this.current = { start: now, work: 0 };
  }
}
