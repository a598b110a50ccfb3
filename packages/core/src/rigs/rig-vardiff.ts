// Vardiff for one rig: the share difficulty that brings one share per `targetSeconds` at the rig's measured rate.
// It retargets from the shares accepted since the last change, once there are enough of them or enough time passed,
// by at most a factor of 4 each time, and only when the change is worth a new job. Sans-IO: the clock is handed in.

export interface RigVardiffOptions {
  /** One share per this many seconds is the aim. */
  targetSeconds: number;
  /** No difficulty goes below this. */
  minDifficulty: bigint;
  /** Retarget after this many accepted shares… */
  sharesPerRetarget: number;
  /** …or once this long has passed since the last change, in ms. */
  retargetAfterMs: number;
}

export const DEFAULT_RIG_VARDIFF: Readonly<Omit<RigVardiffOptions, 'minDifficulty'>> = Object.freeze({
  targetSeconds: 30,
  sharesPerRetarget: 6,
  retargetAfterMs: 180_000,
});

/** The most one retarget changes the difficulty by, either way. */
const MAX_STEP = 4n;
/** A change smaller than this fraction (in parts of 100) is not worth a new job. */
const MIN_CHANGE_PERCENT = 25n;

export class RigVardiff {
  private since: number;
  private shares = 0;

  constructor(
    private difficulty: bigint,
    now: number,
    private readonly options: RigVardiffOptions,
  ) {
    if (difficulty < options.minDifficulty) this.difficulty = options.minDifficulty;
    this.since = now;
  }

  get current(): bigint {
    return this.difficulty;
  }

  /** A share was accepted at `now`; answers the new difficulty when it changes. */
  accepted(now: number): bigint | undefined {
    this.shares++;
    return this.shares >= this.options.sharesPerRetarget ? this.retarget(now) : this.tick(now);
  }

  /** Answers a new difficulty once retargetAfterMs has passed since the last change, if it changes. */
  tick(now: number): bigint | undefined {
    return now - this.since >= this.options.retargetAfterMs ? this.retarget(now) : undefined;
  }

  private retarget(now: number): bigint | undefined {
    const elapsedMs = BigInt(Math.max(1, Math.round(now - this.since)));
    // No share at all in the window counts as half of one: the rate is below one share per window.
    const sharesTimesTwo = BigInt(Math.max(1, this.shares * 2));
    const targetMs = BigInt(Math.round(this.options.targetSeconds * 1000));
    let next = (this.difficulty * sharesTimesTwo * targetMs) / (2n * elapsedMs);
    if (next > this.difficulty * MAX_STEP) next = this.difficulty * MAX_STEP;
    if (next < this.difficulty / MAX_STEP) next = this.difficulty / MAX_STEP;
    if (next < this.options.minDifficulty) next = this.options.minDifficulty;
    this.since = now;
    this.shares = 0;
    const change = next > this.difficulty ? next - this.difficulty : this.difficulty - next;
    if (change * 100n < this.difficulty * MIN_CHANGE_PERCENT) return undefined;
    this.difficulty = next;
    return next;
  }
}
