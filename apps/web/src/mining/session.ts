// What the page needs from a mining session (the engine in Web Workers plus the mesh node), so the page's
// state and tests do not depend on how the session is built.

/**
 * Progress of the slow step of a key change: in light mode building the 256 MiB cache and compiling its programs,
 * in full mode building the 2080 MiB dataset.
 */
export interface KeyProgress {
  done: number;
  total: number;
  mode: 'light' | 'full';
}

/** This tab's own figures, from the session that runs now. */
export interface SessionFigures {
  /** Hashes per second, measured by the session. */
  hashrate: number;
  /** Hashes this session computed. */
  hashes: number;
  sharesAccepted: number;
  sharesRejected: number;
  /** Non-null while a key change runs. */
  keyProgress: KeyProgress | null;
  /** Whether the tab has joined the cluster (it knows its coordinator). */
  joined: boolean;
  /** The cluster's operator stopped every tab during this session: the page stops as if Stop was clicked. */
  stoppedByOperator: boolean;
  /** Whether hashes read items from the dataset: full mode, built and holding. */
  readsDataset: boolean;
  /** Why a session started in full mode mines in light mode, as a sentence for the page; null otherwise. */
  fullModeLost: string | null;
  /**
   * Full mode after a seed change: items of the new key's dataset rebuilt so far, while hashing goes on in light
   * mode; null when no rebuild runs.
   */
  datasetRebuild: { done: number; total: number } | null;
}

export interface MiningSession {
  figures(): SessionFigures;
  /** Calls `listener` after the figures change; answers the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Halts hashing but keeps the cache, the workers and the mesh link, for a quick resume. */
  pause(): void;
  resume(): void;
  /** The share of time the workers hash, 0 < duty <= 1. */
  setDuty(duty: number): void;
  /** Halts every worker at once, leaves the mesh and frees the memory. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The leaderboard name; empty lets the session pick one. */
  name: string;
  threads: number;
  duty: number;
  fullMode: boolean;
}

export interface MiningBackend {
  /** Sentences, each naming one thing this browser lacks to mine; empty when it can. Runs nothing. */
  missingFeatures(): string[];
  /**
   * Why full mode cannot work here on `threads` threads, as a sentence; null when it can. Sets aside full mode's
   * memory once and lets it go (a trial allocation), so the page calls it only when the contributor asks for full
   * mode. Hashes nothing.
   */
  fullModeProblem(threads: number): string | null;
  start(options: StartOptions): Promise<MiningSession>;
}

export const NO_FIGURES: SessionFigures = {
  hashrate: 0,
  hashes: 0,
  sharesAccepted: 0,
  sharesRejected: 0,
  keyProgress: null,
  joined: false,
  stoppedByOperator: false,
  readsDataset: false,
  fullModeLost: null,
  datasetRebuild: null,
};
