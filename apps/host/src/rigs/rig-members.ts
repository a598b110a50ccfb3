// What xmrig rigs are to the cluster: each logged-in rig is a member of its own, a cluster peer with a key of its own
// that runs in the gateway's process, linked to the gateway inside it (LocalSwitch). The coordinator places it under
// its gateway and leases it whole 2^24-nonce blocks; its shares go through the same checks, verification, sampling,
// bans and credit as any member's, to the contributor its worker name makes.
import { createHash } from 'node:crypto';
import {
  type ClusterKeys,
  contributorIdOf,
  RIG_ERRORS,
  type RigJob,
  type RigLogin,
  type RigShare,
  type SignatureScheme,
} from '@rxmesh/core';
import { type LocalSwitch, type Log, MeshNode } from '@rxmesh/mesh';
import { newIdentity } from '../keys.js';
import { RigMiner } from './rig-miner.js';
import type { RigHandle, RigWork, ShareVerdict } from './stratum-server.js';

/** The algorithms the cluster mines, as xmrig names them. */
const ALGORITHMS = ['rx/0'] as const;
/** A rig's login waits this long for the cluster to lease it work. */
const FIRST_JOB_MS = 20_000;
/** PeerInfo's bound on names. */
const NAME_LENGTH = 40;

export interface RigMembersOptions {
  /** The gateway peer the rigs hang under, on `localSwitch`. */
  gatewayId: string;
  localSwitch: LocalSwitch;
  scheme: SignatureScheme;
  /** The cluster key's id. */
  cluster: string;
  log: Log;
}

interface Member {
  node: MeshNode;
  miner: RigMiner;
  worker: string;
}

export class RigMembers implements RigWork {
  private readonly members = new Map<string, Member>();

  constructor(private readonly options: RigMembersOptions) {}

  algorithms(): readonly string[] {
    return ALGORITHMS;
  }

  async login(rig: RigHandle, login: RigLogin): Promise<RigJob | { refused: string }> {
    const { gatewayId, localSwitch, scheme, cluster, log } = this.options;
    const identity = newIdentity();
    const keys: ClusterKeys = { scheme, identity, cluster, credential: null };
    let miner: RigMiner | undefined;
    const node = MeshNode.start({
      transport: localSwitch.transport(identity.id, () => [gatewayId]),
      keys,
      info: {
        name: login.worker.slice(0, NAME_LENGTH),
        engine: 'xmrig',
        mode: 'full',
        cores: 1,
        memoryMb: 0,
        mines: true,
        maxLinks: 2,
        jobSource: false,
        contributor: contributorOf(cluster, login.worker),
        rig: {
          gateway: gatewayId,
          agent: (login.agent ?? 'xmrig').slice(0, 128),
          ...(login.fixedDifficulty === undefined ? {} : { difficulty: login.fixedDifficulty.toString() }),
        },
      },
      source: 'none',
      leaseMiner: (progress) => {
        miner = new RigMiner(progress, login.algorithm);
        return miner;
      },
      log: quiet(log, `rig ${login.worker} (${rig.address})`),
      statusSeconds: 3600,
    });
    if (miner === undefined) throw new Error('the rig peer made no miner');
    const member: Member = { node, miner, worker: login.worker };
    this.members.set(rig.id, member);
    const first = await Promise.race([
      miner.firstJobReady(),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), FIRST_JOB_MS).unref()),
    ]);
    if (first === undefined || this.members.get(rig.id) !== member) {
      await this.forget(rig.id);
      return {
        refused: `The cluster leased no work within ${FIRST_JOB_MS / 1000} s; the gateway may still be joining. Try again in a minute.`,
      };
    }
    miner.attach(rig);
    log.info(`Stratum: rig ${login.worker} (${login.agent ?? 'no agent'}) from ${rig.address} joined as ${node.id}`, {
      event: 'rigJoined',
      peer: node.id,
    });
    return first;
  }

  share(rig: RigHandle, share: RigShare): Promise<ShareVerdict> {
    const member = this.members.get(rig.id);
    if (member === undefined) return Promise.resolve({ accepted: false, error: RIG_ERRORS.unauthenticated });
    return member.miner.share(share);
  }

  left(rig: RigHandle): void {
    const member = this.members.get(rig.id);
    if (member === undefined) return;
    this.options.log.info(`Stratum: rig ${member.worker} from ${rig.address} left`, { event: 'rigLeft' });
    void this.forget(rig.id);
  }

  /** Every rig's peer leaves the cluster. */
  async close(): Promise<void> {
    await Promise.all([...this.members.keys()].map((id) => this.forget(id)));
  }

  private async forget(id: string): Promise<void> {
    const member = this.members.get(id);
    this.members.delete(id);
    await member?.node.stop();
  }
}

/** The contributor a worker name is credited to in this cluster: the same name, the same account. */
function contributorOf(cluster: string, worker: string): string {
  return contributorIdOf(createHash('sha256').update(`rxmesh rig\0${cluster}\0${worker}`).digest());
}

/** A rig peer's own log: its warnings and errors, named; what it does routinely is the gateway's to tell. */
function quiet(log: Log, who: string): Log {
  return {
    info: () => {},
    warn: (message, fields) => log.warn(`${who}: ${message}`, fields),
    error: (message, fields) => log.error(`${who}: ${message}`, fields),
  };
}
