// What carries out a cluster peer's `mine` and `idle` actions: the MiningDriver over a local engine, or a miner that
// hands its leases on to hardware outside the process (an xmrig rig, through the gateway's Stratum server).
import type { Job, Lease, PeerNotice } from '@rxmesh/core';
import type { HashrateMeter } from './hashrate-meter.js';
import type { Progress } from './mining-driver.js';

export interface LeaseMiner {
  /** Whether it is hashing right now. */
  readonly mining: boolean;
  /** What it hashed, and how fast. */
  readonly meter: HashrateMeter;
  /** Hashes per second lately. */
  hashrate(now?: number): number;
  /** The share target of the lease being mined, or undefined with none. */
  readonly shareTarget: bigint | undefined;
  /** Mines `lease` from its start, replacing whatever was being mined. */
  mine(job: Job, lease: Lease, target: bigint): void;
  /** Nothing to mine: stop once the work in hand is done. */
  idle(): void;
  pause(): void;
  resume(): void;
  /** Stops for good; resolves once nothing runs. */
  release(): Promise<void>;
  /** What the cluster told this peer (answers to its shares, a ban), for a miner that passes it on. */
  notice?(notice: PeerNotice): void;
}

/** Makes a lease miner that reports its progress to `progress`. */
export type LeaseMinerFactory = (progress: (progress: Progress) => void) => LeaseMiner;
