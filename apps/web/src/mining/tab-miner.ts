// The contributor page's state: consent, settings, the one mining session of this tab, its figures over time,
// the lifetime contribution, and the other tabs of this browser. Framework-free; the Lit components render it.
import type { PauseReason } from '../power/pause-reasons.js';
import { clampDuty, clampThreads, cleanName, defaultSettings, type MiningSettings } from '../settings.js';
import type { Consent, ConsentStore } from '../storage/consent.js';
import { type Lifetime, type LifetimeStore, NO_CONTRIBUTION } from '../storage/lifetime.js';
import { STATUS_STALE_MS, type TabLeader, type TabMessage, type TabStatus } from '../tabs/tab-leader.js';
import { type MiningBackend, type MiningSession, NO_FIGURES, type SessionFigures } from './session.js';

export type MinerPhase =
  /** Reading consent and checking the browser. */
  | 'loading'
  /** This browser cannot mine; `missing` says why. */
  | 'unsupported'
  /** Nothing runs; Start is offered. */
  | 'ready'
  /** Another tab of this browser mines; its figures are in `otherTab`. */
  | 'elsewhere'
  | 'starting'
  | 'mining'
  | 'stopping';

/** Hashrate samples for the chart: seconds since the epoch, and hashes per second. */
export interface RateHistory {
  times: number[];
  rates: number[];
}

export interface TabMinerState {
  phase: MinerPhase;
  cores: number;
  settings: MiningSettings;
  consent: Consent | undefined;
  /** False when this browser keeps nothing after the tab closes. */
  persistent: boolean;
  /** What this browser lacks to mine, as sentences. */
  missing: string[];
  /** The last failure, as a sentence for the page; cleared by the next Start. */
  error: string | null;
  /**
   * What the page says about this tab's mining that is not a failure: the operator stopped it, full mode fell back to
   * light mode, or Stop gave full mode's memory back. Cleared by the next Start.
   */
  notice: string | null;
  /** Why mining is paused right now (only reasons the contributor enabled). */
  pausedFor: PauseReason[];
  /** Whether the browser tells the page about its battery. */
  batteryKnown: boolean;
  /** This tab's figures: hashrate and key progress of the running session, counts over all sessions of the page. */
  figures: SessionFigures;
  history: RateHistory;
  /** Stored over all visits, plus what this page has not written yet. */
  lifetime: Lifetime;
  otherTab: TabStatus | null;
}

export interface TabMinerOptions {
  backend: MiningBackend;
  consent: ConsentStore;
  lifetime: LifetimeStore;
  tabs: TabLeader;
  cores: number;
  persistent: boolean;
  /** Reports whether the page is hidden, now and on change; answers the unsubscribe. */
  watchHidden(onChange: (hidden: boolean) => void): () => void;
  /** Reports whether the device runs on battery; undefined where the browser cannot tell. */
  watchBattery(onChange: (onBattery: boolean) => void): Promise<(() => void) | undefined>;
  now?: () => number;
}

/** Two minutes of one-second samples. */
export const HISTORY_SECONDS = 120;
const TICK_MS = 1000;
/** Lifetime figures are written this often while mining, and at every stop. */
const LIFETIME_FLUSH_TICKS = 10;

type Counts = Pick<SessionFigures, 'hashes' | 'sharesAccepted' | 'sharesRejected'>;
const NO_COUNTS: Counts = { hashes: 0, sharesAccepted: 0, sharesRejected: 0 };

/** A page's state before it has read anything: loading, default settings for `cores`, nothing counted. */
export function initialState(cores: number, persistent: boolean): TabMinerState {
  return {
    phase: 'loading',
    cores,
    settings: defaultSettings(cores),
    consent: undefined,
    persistent,
    missing: [],
    error: null,
    notice: null,
    pausedFor: [],
    batteryKnown: false,
    figures: { ...NO_FIGURES },
    history: { times: [], rates: [] },
    lifetime: { ...NO_CONTRIBUTION },
    otherTab: null,
  };
}

/** An error's message without its closing full stop, to sit inside a sentence of the page. */
export const OPERATOR_STOPPED =
  "The cluster's operator stopped mining in every tab, so this tab stopped. Click Start to mine again.";

/** What the page says after a full-mode session stopped. */
export const FULL_MODE_MEMORY_FREED =
  'Stopped. The workers have ended and the memory full mode held (about 2.3 GiB) is given back to your device. ' +
  'The next Start builds the dataset again.';

function sentence(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/[.\s]+$/, '');
}

export class TabMiner {
  private current: TabMinerState;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly cleanups: (() => void)[] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;

  private session: MiningSession | undefined;
  private stoppingSession: MiningSession | undefined;
  private unsubscribeSession: (() => void) | undefined;
  private releaseLock: (() => void) | undefined;
  private stopRequested = false;
  /** Counts of the sessions this page already stopped. */
  private finished: Counts = { ...NO_COUNTS };
  /** What the running session had counted when its figures last went into the lifetime totals. */
  private counted: Lifetime = { ...NO_CONTRIBUTION };
  private storedLifetime: Lifetime = { ...NO_CONTRIBUTION };
  private unflushed: Lifetime = { ...NO_CONTRIBUTION };
  private hidden = false;
  private onBattery = false;
  private otherTabSeenAt = 0;

  constructor(private readonly options: TabMinerOptions) {
    this.now = options.now ?? (() => Date.now());
    this.current = initialState(options.cores, options.persistent);
  }

  get state(): TabMinerState {
    return this.current;
  }

  /** Calls `listener` after every change of state; answers the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads what is stored and checks the browser. Never starts mining: only start() does. */
  async init(): Promise<void> {
    const { backend, consent, lifetime, tabs } = this.options;
    const missing = backend.missingFeatures();
    let storageError: string | null = null;
    const [stored, contribution] = await Promise.all([consent.load(), lifetime.load()]).catch((error: unknown) => {
      // Some private modes refuse IndexedDB: the page still works, it only cannot remember.
      storageError = `This browser refused the page's storage (${sentence(error)}), so it will not remember your choice.`;
      return [undefined, { ...NO_CONTRIBUTION }] as const;
    });
    const elsewhere = await tabs.minerElsewhere();
    this.storedLifetime = contribution;
    this.cleanups.push(tabs.onOtherTab((message) => this.onOtherTab(message)));
    this.cleanups.push(
      this.options.watchHidden((hidden) => {
        // A hidden tab may be discarded without another event: write the contribution while we can.
        if (hidden) void this.flushLifetime();
        this.onPauseCause(() => (this.hidden = hidden));
      }),
    );
    const unwatchBattery = await this.options.watchBattery((onBattery) =>
      this.onPauseCause(() => (this.onBattery = onBattery)),
    );
    if (unwatchBattery !== undefined) this.cleanups.push(unwatchBattery);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    let phase: MinerPhase = 'ready';
    if (missing.length > 0) phase = 'unsupported';
    else if (elsewhere) {
      phase = 'elsewhere';
      this.otherTabSeenAt = this.now();
    }
    this.update({
      phase,
      missing,
      error: storageError,
      persistent: this.current.persistent && storageError === null,
      consent: stored,
      settings: stored?.settings ?? this.current.settings,
      batteryKnown: unwatchBattery !== undefined,
      lifetime: this.lifetimeNow(),
    });
  }

  /** The contributor clicked Start: records consent, takes this browser's miner lock and starts the session. */
  async start(): Promise<void> {
    if (this.current.phase !== 'ready') return;
    this.stopRequested = false;
    this.update({ phase: 'starting', error: null, notice: null });
    try {
      const lock = await this.options.tabs.acquire();
      if (lock === null) {
        this.update({ phase: 'elsewhere' });
        this.otherTabSeenAt = this.now();
        return;
      }
      this.releaseLock = () => lock.release();
      const givenAt = this.now();
      const settings = this.current.settings;
      // The click is the consent; a browser that refuses to store it only keeps it for this visit.
      const consent = await this.options.consent.give(settings, givenAt).catch(() => ({ givenAt, settings }));
      this.update({ consent });
      if (this.stopRequested) throw new Error('stopped before it started');
      const { name, threads, duty, fullMode } = this.current.settings;
      const session = await this.options.backend.start({ name, threads, duty, fullMode });
      this.session = session;
      this.counted = { ...NO_CONTRIBUTION };
      this.unsubscribeSession = session.subscribe(() => this.onSessionFigures());
      if (this.stopRequested) {
        await this.stop();
        return;
      }
      this.update({ phase: 'mining', figures: this.figuresNow() });
      this.applyPause();
    } catch (error) {
      this.releaseLock?.();
      this.releaseLock = undefined;
      const stoppedEarly = this.stopRequested;
      this.update({ phase: 'ready', error: stoppedEarly ? null : `Mining could not start: ${sentence(error)}.` });
    }
  }

  /** Halts every worker at once. Safe to call in any phase; a Start in progress is cancelled. */
  async stop(): Promise<void> {
    if (this.current.phase === 'starting') {
      this.stopRequested = true;
      if (this.session === undefined) return;
    }
    const session = this.session;
    if (session === undefined) return;
    this.session = undefined;
    this.stoppingSession = session;
    this.unsubscribeSession?.();
    this.unsubscribeSession = undefined;
    // The page shows the stop at once; the workers follow within the hashes in flight.
    this.update({ phase: 'stopping', figures: this.figuresNow(), pausedFor: [] });
    this.recordSample(0);
    // Asked before the stop: a stopped session holds no dataset.
    const { readsDataset, datasetRebuild } = session.figures();
    const heldDataset = readsDataset || datasetRebuild !== null;
    let error: string | null = null;
    try {
      await session.stop();
    } catch (failure) {
      error = `Stopping reported a problem: ${sentence(failure)}. Close the tab to be sure nothing runs.`;
    }
    const last = session.figures();
    if (error === null && heldDataset && this.current.notice === null) this.update({ notice: FULL_MODE_MEMORY_FREED });
    this.countSessionWork(last);
    this.finished = {
      hashes: this.finished.hashes + last.hashes,
      sharesAccepted: this.finished.sharesAccepted + last.sharesAccepted,
      sharesRejected: this.finished.sharesRejected + last.sharesRejected,
    };
    this.stoppingSession = undefined;
    // The final counts show now; storing them may take a moment longer.
    this.update({ figures: this.figuresNow(), lifetime: this.lifetimeNow() });
    this.releaseLock?.();
    this.releaseLock = undefined;
    this.options.tabs.announceStopped();
    await this.flushLifetime();
    this.update({ phase: 'ready', error });
  }

  /**
   * Changes settings (checked and clamped). A running session follows the duty cycle and pause options at once;
   * the name and thread count apply from the next Start.
   */
  updateSettings(patch: Partial<MiningSettings>): void {
    const turningFullModeOn = patch.fullMode === true && !this.current.settings.fullMode;
    const merged = { ...this.current.settings, ...patch };
    if (turningFullModeOn) {
      // Asked for by a click: the trial allocation of full mode's memory runs now, and decides.
      const problem = this.options.backend.fullModeProblem(clampThreads(merged.threads, this.current.cores));
      if (problem !== null) {
        merged.fullMode = false;
        this.update({ error: `Full mode is not available here: ${sentence(problem)}.` });
      }
    }
    const settings: MiningSettings = {
      ...merged,
      name: cleanName(merged.name),
      threads: clampThreads(merged.threads, this.current.cores),
      duty: clampDuty(merged.duty),
    };
    this.update({ settings });
    this.session?.setDuty(settings.duty);
    this.applyPause();
    if (this.current.consent !== undefined) {
      this.update({ consent: { ...this.current.consent, settings } });
      this.options.consent.updateSettings(settings).catch((error: unknown) => {
        this.update({ error: `Your settings could not be saved: ${sentence(error)}.` });
      });
    }
  }

  /** Stops mining and forgets the consent, the settings and the lifetime contribution. */
  async withdrawConsent(): Promise<void> {
    await this.stop();
    await this.options.consent.withdraw();
    this.storedLifetime = { ...NO_CONTRIBUTION };
    this.unflushed = { ...NO_CONTRIBUTION };
    this.update({
      consent: undefined,
      settings: defaultSettings(this.current.cores),
      lifetime: this.lifetimeNow(),
    });
  }

  /** Writes the contribution not yet stored (the page calls this when it is being hidden or closed). */
  async flushLifetime(): Promise<void> {
    const delta = this.unflushed;
    if (delta.hashes === 0 && delta.sharesAccepted === 0) return;
    this.unflushed = { ...NO_CONTRIBUTION };
    try {
      this.storedLifetime = await this.options.lifetime.add(delta);
    } catch (error) {
      this.unflushed = {
        hashes: this.unflushed.hashes + delta.hashes,
        sharesAccepted: this.unflushed.sharesAccepted + delta.sharesAccepted,
      };
      this.update({ error: `Your lifetime contribution could not be saved: ${sentence(error)}.` });
    }
    this.update({ lifetime: this.lifetimeNow() });
  }

  /** Stops the session and every watcher; for tests and page teardown. */
  async dispose(): Promise<void> {
    clearInterval(this.ticker);
    await this.stop();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.listeners.clear();
  }

  private update(patch: Partial<TabMinerState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener();
  }

  /** A stopping session still counts, but no longer has a rate or progress. */
  private figuresNow(): SessionFigures {
    const running = this.session?.figures();
    const counting = running ?? this.stoppingSession?.figures();
    return {
      hashrate: running?.hashrate ?? 0,
      hashes: this.finished.hashes + (counting?.hashes ?? 0),
      sharesAccepted: this.finished.sharesAccepted + (counting?.sharesAccepted ?? 0),
      sharesRejected: this.finished.sharesRejected + (counting?.sharesRejected ?? 0),
      keyProgress: running?.keyProgress ?? null,
      joined: running?.joined ?? false,
      stoppedByOperator: running?.stoppedByOperator ?? false,
      readsDataset: running?.readsDataset ?? false,
      fullModeLost: running?.fullModeLost ?? null,
      datasetRebuild: running?.datasetRebuild ?? null,
    };
  }

  private lifetimeNow(): Lifetime {
    return {
      hashes: this.storedLifetime.hashes + this.unflushed.hashes,
      sharesAccepted: this.storedLifetime.sharesAccepted + this.unflushed.sharesAccepted,
    };
  }

  /** Moves what the session counted since last time into the unwritten lifetime contribution. */
  private countSessionWork(figures: SessionFigures): void {
    this.unflushed = {
      hashes: this.unflushed.hashes + Math.max(0, figures.hashes - this.counted.hashes),
      sharesAccepted: this.unflushed.sharesAccepted + Math.max(0, figures.sharesAccepted - this.counted.sharesAccepted),
    };
    this.counted = { hashes: figures.hashes, sharesAccepted: figures.sharesAccepted };
  }

  private onSessionFigures(): void {
    const session = this.session;
    if (session === undefined) return;
    const figures = session.figures();
    this.countSessionWork(figures);
    this.update({ figures: this.figuresNow(), lifetime: this.lifetimeNow() });
    if (figures.fullModeLost !== null && this.current.notice === null) this.update({ notice: figures.fullModeLost });
    // A remote stop is only a stop: mining starts again only with the contributor's own click on Start.
    if (figures.stoppedByOperator) {
      this.update({ notice: OPERATOR_STOPPED });
      void this.stop();
    }
  }

  private onPauseCause(change: () => void): void {
    change();
    this.applyPause();
  }

  private applyPause(): void {
    const { pauseWhenHidden, pauseOnBattery } = this.current.settings;
    const pausedFor: PauseReason[] = [];
    if (pauseWhenHidden && this.hidden) pausedFor.push('hidden');
    if (pauseOnBattery && this.onBattery) pausedFor.push('battery');
    const session = this.session;
    if (session === undefined || this.current.phase !== 'mining') {
      if (this.current.pausedFor.length > 0) this.update({ pausedFor: [] });
      return;
    }
    const wasPaused = this.current.pausedFor.length > 0;
    if (pausedFor.length > 0 && !wasPaused) session.pause();
    if (pausedFor.length === 0 && wasPaused) session.resume();
    if (pausedFor.join() !== this.current.pausedFor.join()) this.update({ pausedFor });
  }

  private onOtherTab(message: TabMessage): void {
    const phase = this.current.phase;
    if (phase !== 'ready' && phase !== 'elsewhere') return;
    if (message.kind === 'stopped') {
      if (phase === 'elsewhere') this.update({ phase: 'ready', otherTab: null });
      return;
    }
    this.otherTabSeenAt = this.now();
    this.update({ phase: 'elsewhere', otherTab: message.status });
  }

  private tick(): void {
    this.ticks += 1;
    if (this.session !== undefined && this.current.phase === 'mining') {
      const figures = this.figuresNow();
      this.recordSample(figures.hashrate);
      this.options.tabs.announce({
        hashrate: figures.hashrate,
        hashes: figures.hashes,
        sharesAccepted: figures.sharesAccepted,
        sharesRejected: figures.sharesRejected,
        paused: this.current.pausedFor.length > 0,
      });
      if (this.ticks % LIFETIME_FLUSH_TICKS === 0) void this.flushLifetime();
    }
    if (this.current.phase === 'elsewhere' && this.now() - this.otherTabSeenAt > STATUS_STALE_MS) {
      // The mining tab went quiet: closed, crashed or frozen. The lock says whether it still mines.
      this.otherTabSeenAt = this.now();
      void this.options.tabs.minerElsewhere().then((elsewhere) => {
        if (!elsewhere && this.current.phase === 'elsewhere') this.update({ phase: 'ready', otherTab: null });
      });
    }
  }

  private recordSample(hashrate: number): void {
    const { times, rates } = this.current.history;
    const keep = HISTORY_SECONDS - 1;
    this.update({
      history: {
        times: [...times.slice(-keep), this.now() / 1000],
        rates: [...rates.slice(-keep), hashrate],
      },
    });
  }
}
