import { describe, expect, it } from 'vitest';
import { TestNet } from '../../testing/cluster.js';
import {
  fakeId,
  idOf,
  payloadOf,
  TEST_NOW,
  testCredential,
  testIdentity,
  testInfo,
  testKeys,
} from '../../testing/keys.js';
import type { Credential } from '../identity/credential.js';
import { nobleEd25519 } from '../identity/signature-scheme.js';
import { signJson } from '../identity/signed.js';
import type { Job } from '../jobs/job.js';
import { ledgerOf } from './ledger.js';
import { ClusterPeer, DEFAULT_PEER_SETTINGS, type PeerAction } from './peer.js';
import { ReplicatedState } from './replica.js';
import {
  type BroadcastPayload,
  type CoordinatorClaim,
  jobToWire,
  type Message,
  PROTOCOL_VERSION,
  type ReplicaEntry,
  type UpPayload,
} from './wire.js';

const v = PROTOCOL_VERSION;
const kinds = (actions: PeerAction[]) => actions.map((action) => action.kind);

/** A gateway alone in the room: it starts the cluster on the demo chain. */
function aloneGateway(net = new TestNet()) {
  net.add('gw', { gateway: true });
  net.room = ['gw'];
  net.start('gw');
  return net;
}

/** The gateway's cluster with workers joined to it, in the order given. */
function cluster(...workers: string[]) {
  const net = aloneGateway();
  for (const name of workers) {
    net.add(name);
    net.start(name);
  }
  return net;
}

describe('a cluster peer', () => {
  it('starts the cluster when it is a gateway alone in the room, and mines its own lease', () => {
    const net = aloneGateway();
    expect(net.peer('gw').phase).toBe('coordinator');
    const actions = net.actionsOf('gw');
    const mine = actions.find((action) => action.kind === 'mine');
    expect(mine?.kind === 'mine' && mine.job.source).toBe('demo');
    expect(actions).toContainEqual({
      kind: 'notice',
      notice: { kind: 'coordinator', id: idOf('gw'), term: 1, self: true },
    });
  });

  it('with a durable store, starts from what it kept at a later term, and its workers get leases once it is written', () => {
    const net = new TestNet();
    net.room = ['gw'];
    const kept = fakeId(3);
    net.add('gw', {
      gateway: true,
      ledger: {
        term: 6,
        entries: [
          { e: 'account', peer: kept, name: 'kept', work: '500', accepted: 5, rejected: 1 },
          { e: 'totals', accepted: 9, rejected: 1, blocks: 0 },
        ],
      },
    });
    net.start('gw');
    net.advance(5000);
    expect(net.peer('gw').phase).toBe('coordinator');
    expect(net.noticesOf('gw')).toContainEqual({ kind: 'coordinator', id: idOf('gw'), term: 7, self: true });
    const state = net.peer('gw').coordinatorState?.state;
    expect(state?.accounts.get(kept)).toEqual({ name: 'kept', work: 500n, accepted: 5, rejected: 1 });
    expect(state?.sharesAccepted).toBe(9);
    const [restated] = net.actionsOf('gw').flatMap((action) => (action.kind === 'persist' ? [action] : []));
    expect(restated).toMatchObject({ term: 7, entries: expect.arrayContaining([{ e: 'clearAccounts' }]) });
    // A worker joins and mines: its welcome and lease waited for the store, which wrote them.
    net.add('w', { info: { contributor: kept } });
    net.start('w');
    net.advance(5000);
    expect(net.actionsOf('w').some((action) => action.kind === 'mine')).toBe(true);
  });

  it('waits for discovery before deciding it is alone', () => {
    const peer = new ClusterPeer({
      info: testInfo('gw', { role: 'gateway' }),
      keys: testKeys('gw', { gateway: true }),
      now: () => TEST_NOW,
      random: () => 0.5,
      source: 'demo',
    });
    peer.start();
    peer.handle({ kind: 'timeout' });
    expect(peer.phase).toBe('discovering');
    expect(kinds(peer.drain())).toEqual(['discover']);
  });

  it('never starts a cluster as a worker, alone or not, however long it waits', () => {
    const net = new TestNet();
    net.add('w');
    net.room = [];
    net.start('w');
    net.advance(30_000);
    expect(net.peer('w').phase).not.toBe('coordinator');
    expect(net.noticesOf('w').filter((notice) => notice.kind === 'coordinator')).toEqual([]);
  });

  it('refuses to be built with an id that is not its key, or a role its credential does not give', () => {
    const base = { now: () => TEST_NOW, random: () => 0.5, source: 'demo' as const };
    expect(() => new ClusterPeer({ ...base, info: testInfo('a'), keys: testKeys('b') })).toThrow(RangeError);
    expect(() => new ClusterPeer({ ...base, info: testInfo('a', { role: 'gateway' }), keys: testKeys('a') })).toThrow(
      RangeError,
    );
    expect(() => new ClusterPeer({ ...base, info: testInfo('a'), keys: testKeys('a', { gateway: true }) })).toThrow(
      RangeError,
    );
  });

  it('joins the coordinator, attaches under it, reports, and mines the lease it is given', () => {
    const net = cluster('w');
    const worker = net.peer('w');
    expect(worker.phase).toBe('member');
    expect(worker.currentTerm).toBe(1);
    expect(net.messages('w', 'gw', 'join')).toHaveLength(1);
    expect(net.messages('gw', 'w', 'welcome')).toHaveLength(1);
    expect(net.upPayloads('w', 'gw').map((up) => up.body.type)).toEqual(['status']);
    const leases = net.downPayloads('gw', 'w').filter((down) => down.body.type === 'lease');
    expect(leases).toHaveLength(1);
    expect(worker.miningLease?.job.id).toBe(net.peer('gw').latestJob?.id);
    expect(net.peer('gw').coordinatorState?.memberIds()).toContain(idOf('w'));
  });

  it('tells the coordinator at once when its engine stops or starts reading a dataset, and only then', () => {
    const net = cluster('w');
    const coordinator = () => net.peer('gw').coordinatorState;
    const statuses = () => net.upPayloads('w', 'gw').filter((up) => up.body.type === 'status').length;
    expect(coordinator()?.memberInfo(idOf('w'))?.mode).toBe('light');
    net.handle('w', { kind: 'mode', mode: 'full' });
    expect(coordinator()?.memberInfo(idOf('w'))?.mode).toBe('full');
    const sent = statuses();
    net.handle('w', { kind: 'mode', mode: 'full' });
    expect(statuses()).toBe(sent);
    // The coordinator's own entry follows its engine too.
    expect(coordinator()?.memberInfo(idOf('gw'))?.mode).toBe('full');
    net.handle('gw', { kind: 'mode', mode: 'light' });
    expect(coordinator()?.memberInfo(idOf('gw'))?.mode).toBe('light');
    net.handle('w', { kind: 'mode', mode: 'light' });
    expect(coordinator()?.memberInfo(idOf('w'))?.mode).toBe('light');
  });
});

describe('a peer on a link', () => {
  /** The coordinator `gw`, and `x`, played by hand, linked to it. */
  function linkedStranger(xName = 'x') {
    const net = aloneGateway();
    net.addManual(xName);
    net.connect(xName, 'gw');
    return net;
  }

  const helloFrom = (net: TestNet, name: string, to: string, gateway = false) =>
    net.envelopes(name, gateway).hello(idOf(to), testInfo(name, gateway ? { role: 'gateway' } : {}), null);

  it('reads nothing but a hello before a valid hello', () => {
    const net = linkedStranger();
    const mark = net.mark('gw');
    net.inject('x', 'gw', { v, type: 'join', orphan: false });
    net.inject('x', 'gw', net.envelopes('x').up(1, 1, { v, type: 'needWork', hashrate: 10 }));
    expect(net.noticesOf('gw', mark)).toEqual([
      { kind: 'badMessage', from: idOf('x'), error: 'join before a hello' },
      { kind: 'badMessage', from: idOf('x'), error: 'up before a hello' },
    ]);
    expect(net.messages('gw', 'x', 'welcome')).toEqual([]);
    expect(net.peer('gw').coordinatorState?.memberIds()).not.toContain(idOf('x'));
    net.inject('x', 'gw', helloFrom(net, 'x', 'gw'));
    net.inject('x', 'gw', { v, type: 'join', orphan: false });
    expect(net.messages('gw', 'x', 'welcome')).toHaveLength(1);
  });

  const badHellos: [string, (net: TestNet) => unknown][] = [
    ['made for another link', (net) => helloFrom(net, 'x', 'someone else')],
    ['signed by another key', (net) => ({ ...helloFrom(net, 'x', 'gw'), signed: helloFrom(net, 'y', 'gw').signed })],
    [
      'altered after signing',
      (net) => {
        const hello = helloFrom(net, 'x', 'gw');
        return {
          ...hello,
          signed: { ...hello.signed, payload: hello.signed.payload.replace('"cores":4', '"cores":5') },
        };
      },
    ],
    ['that says gateway without a credential', (net) => ({ ...helloFrom(net, 'x', 'gw', true), credential: null })],
    [
      "that shows another gateway's credential",
      (net) => ({ ...helloFrom(net, 'x', 'gw'), credential: testKeys('gw2', { gateway: true }).credential }),
    ],
    [
      "that shows another cluster's credential",
      (net) => ({ ...helloFrom(net, 'x', 'gw'), credential: testCredential('x', { cluster: testIdentity('rival') }) }),
    ],
  ];

  it.each(badHellos)('penalises a hello %s: the link is closed and the id refused for a while', (_, make) => {
    const net = linkedStranger();
    const mark = net.mark('gw');
    net.inject('x', 'gw', make(net));
    expect(net.noticesOf('gw', mark)).toContainEqual(expect.objectContaining({ kind: 'penalized', peer: idOf('x') }));
    expect(net.actionsOf('gw', mark)).toContainEqual({ kind: 'disconnect', peer: idOf('x') });
    expect(net.linked('gw', 'x')).toBe(false);
    // Back within the penalty: closed at once, before a hello.
    net.now += DEFAULT_PEER_SETTINGS.penaltyMs - 1000;
    const again = net.mark('gw');
    net.connect('x', 'gw');
    expect(kinds(net.actionsOf('gw', again))).toEqual(['disconnect']);
    // After it: a link like any other.
    net.now += 2000;
    net.connect('x', 'gw');
    expect(net.messages('gw', 'x', 'hello')).toHaveLength(2);
    net.inject('x', 'gw', helloFrom(net, 'x', 'gw'));
    net.inject('x', 'gw', { v, type: 'join', orphan: false });
    expect(net.messages('gw', 'x', 'welcome')).toHaveLength(1);
  });

  it('counts a peer whose hello shows its own credential as a gateway', () => {
    const net = linkedStranger('g2');
    net.inject('g2', 'gw', helloFrom(net, 'g2', 'gw', true));
    net.inject('g2', 'gw', { v, type: 'join', orphan: false });
    net.advance(250);
    expect(net.peer('gw').coordinatorState?.state.members.get(idOf('g2'))?.gateway).toBe(true);
  });

  it('cuts off a linked peer after five malformed messages, and ignores them meanwhile', () => {
    const net = linkedStranger('noisy');
    const mark = net.mark('gw');
    for (let i = 0; i < 4; i++) net.inject('noisy', 'gw', { v: 9, type: 'hello' });
    expect(kinds(net.actionsOf('gw', mark))).toEqual(['notice', 'notice', 'notice', 'notice']);
    net.inject('noisy', 'gw', 'not json');
    expect(net.actionsOf('gw', mark)).toContainEqual({ kind: 'disconnect', peer: idOf('noisy') });
    expect(net.peer('gw').linkCount).toBe(0);
  });

  it('answers a joiner when it is full with a redirect, and closes the link at once', () => {
    const net = new TestNet();
    net.add('gw', { gateway: true, settings: { coordinatorLinks: 4 } });
    net.room = ['gw'];
    net.start('gw');
    for (let i = 0; i < 4; i++) {
      net.addManual(`p${i}`);
      net.connect(`p${i}`, 'gw');
    }
    net.addManual('late');
    const mark = net.mark('gw');
    net.connect('late', 'gw');
    const actions = net.actionsOf('gw', mark);
    expect(actions).toContainEqual({
      kind: 'send',
      to: idOf('late'),
      message: { v, type: 'redirect', coordinator: idOf('gw'), term: 1, full: true },
    });
    expect(actions).toContainEqual({ kind: 'disconnect', peer: idOf('late') });
    expect(net.linked('gw', 'late')).toBe(false);
  });
});

describe('claims of who coordinates', () => {
  /** `j`, a worker joining through `x` (played by hand), whose hello names a coordinator of term 3. */
  function joinerMeets(gateway: boolean) {
    const net = new TestNet();
    net.addManual('x');
    net.add('j');
    net.room = ['x'];
    net.start('j');
    expect(net.linked('j', 'x')).toBe(true);
    const mark = net.mark('j');
    const hello = net
      .envelopes('x', gateway)
      .hello(idOf('j'), testInfo('x', gateway ? { role: 'gateway' } : {}), { id: idOf('elsewhere'), term: 3 });
    net.inject('x', 'j', hello);
    return net.actionsOf('j', mark);
  }

  it('are ignored from a worker, which cannot show the way in, and followed from a gateway', () => {
    expect(joinerMeets(false)).not.toContainEqual({ kind: 'connect', peer: idOf('elsewhere') });
    expect(joinerMeets(true)).toContainEqual({ kind: 'connect', peer: idOf('elsewhere') });
  });

  /** The coordinator `gw` (term 1), and `name` (played by hand) that links to it and claims `claim`. */
  function coordinatorHears(name: string, gateway: boolean, claim: { id: string; term: number }) {
    const net = aloneGateway();
    net.addManual(name);
    net.connect(name, 'gw');
    const mark = net.mark('gw');
    const info = testInfo(name, gateway ? { role: 'gateway' } : {});
    net.inject(name, 'gw', net.envelopes(name, gateway).hello(idOf('gw'), info, claim));
    return { role: net.peer('gw').phase, actions: net.actionsOf('gw', mark) };
  }

  it('make a coordinator step down only for a gateway that claims a later term itself', () => {
    const worker = coordinatorHears('x', false, { id: idOf('x'), term: 5 });
    expect(worker.role).toBe('coordinator');
    expect(worker.actions).toEqual([]);

    // A gateway that names another coordinator of a later term: that one has to prove it on its own link.
    const other = coordinatorHears('x', true, { id: idOf('elsewhere'), term: 5 });
    expect(other.role).toBe('coordinator');
    expect(other.actions).toContainEqual({ kind: 'connect', peer: idOf('elsewhere') });

    const rival = coordinatorHears('x', true, { id: idOf('x'), term: 5 });
    expect(rival.role).toBe('joining');
    expect(rival.actions).toContainEqual({ kind: 'send', to: idOf('x'), message: { v, type: 'join', orphan: true } });
  });

  it('between two gateways that each started a cluster alone, make the one with the higher id step down', () => {
    const [lower, higher] = namesAround('gw');
    const alone = (name: string) => ({ id: idOf(name), term: 1, restoredFrom: 0 });
    expect(coordinatorHears(higher, true, alone(higher)).role).toBe('coordinator');
    expect(coordinatorHears(lower, true, alone(lower)).role).toBe('joining');
  });

  it('make a coordinator that began without a replica give way to one that carried a cluster on since its last term', () => {
    // `gw` restarts from its store, which kept term 6: it coordinates term 7, but its claim is worth term 6.
    const hears = (claim: CoordinatorClaim) => {
      const net = new TestNet();
      net.room = ['gw'];
      net.add('gw', { gateway: true, ledger: { term: 6, entries: [] } });
      net.start('gw');
      net.advance(5000);
      net.addManual(higher);
      net.connect(higher, 'gw');
      net.inject(
        higher,
        'gw',
        net.envelopes(higher, true).hello(idOf('gw'), testInfo(higher, { role: 'gateway' }), claim),
      );
      return net.peer('gw').phase;
    };
    const [, higher] = namesAround('gw');
    expect(hears({ id: idOf(higher), term: 7 })).toBe('joining');
    expect(hears({ id: idOf(higher), term: 6 })).toBe('joining');
    expect(hears({ id: idOf(higher), term: 5 })).toBe('coordinator');
    expect(hears({ id: idOf(higher), term: 7, restoredFrom: 6 })).toBe('coordinator');
  });
});

/** A name whose id sorts below `name`'s, and one whose id sorts above. */
function namesAround(name: string): [string, string] {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const lower = names.find((other) => idOf(other) < idOf(name));
  const higher = names.find((other) => idOf(other) > idOf(name));
  if (lower === undefined || higher === undefined) throw new Error('pick other names');
  return [lower, higher];
}

describe('a cluster member', () => {
  it('notices each job once, however often it hears of it', () => {
    const net = cluster('w');
    const job = net.peer('w').latestJob;
    expect(job).toBeDefined();
    expect(net.noticesOf('w').filter((notice) => notice.kind === 'job')).toHaveLength(1);
    const [welcome] = net.messages('gw', 'w', 'welcome');
    if (welcome?.type !== 'welcome' || welcome.job === null) throw new Error('no job in the welcome');
    const mark = net.mark('w');
    net.inject('gw', 'w', { v, type: 'broadcast', signed: welcome.job });
    const [lease] = net.messages('gw', 'w', 'down');
    net.inject('gw', 'w', lease);
    expect(net.noticesOf('w', mark).filter((notice) => notice.kind === 'job')).toEqual([]);
  });

  it('asks for its next lease when 10 s of work is left, and mines it when the current one is done', () => {
    const net = cluster('w');
    const first = net.peer('w').miningLease?.lease;
    if (first === undefined) throw new Error('no lease');
    expect(first.count).toBe(300); // 30 s at 10 H/s
    const needWork = () => net.upPayloads('w', 'gw').filter((up) => up.body.type === 'needWork');
    net.now += 10_000;
    net.handle('w', { kind: 'progress', leaseId: first.id, hashes: 100, shares: [] });
    expect(needWork()).toEqual([]);
    net.now += 10_000;
    net.handle('w', { kind: 'progress', leaseId: first.id, hashes: 200, shares: [] });
    expect(needWork()).toHaveLength(1);
    const leases = net.downPayloads('gw', 'w').filter((down) => down.body.type === 'lease');
    expect(leases).toHaveLength(2);
    expect(net.peer('w').miningLease?.lease.id).toBe(first.id); // queued until the first is done
    net.now += 10_000;
    const mark = net.mark('w');
    net.handle('w', { kind: 'progress', leaseId: first.id, hashes: 300, shares: [] });
    const mine = net.actionsOf('w', mark).find((action) => action.kind === 'mine');
    expect(mine?.kind === 'mine' && mine.lease.start).toBe(first.start + first.count);
  });

  it("sends up the shares its previous lease finds while the new seed's key builds", () => {
    const net = cluster('w');
    const previous = net.peer('w').miningLease;
    if (previous === undefined) throw new Error('no lease');
    // The next block's job comes with a new seed: the worker is handed a lease on it at once.
    const next: Job = {
      ...previous.job,
      id: `${previous.job.id}-next`,
      height: previous.job.height + 1,
      seedHash: new Uint8Array(32).fill(0x5e),
      createdAt: net.now,
    };
    net.handle('gw', { kind: 'job', job: next });
    expect(net.peer('w').miningLease?.job.id).toBe(next.id);

    // Meanwhile the miner goes on with the previous lease under the old key and finds a share there.
    const nonce = previous.lease.start + 3;
    const mark = net.mark('gw');
    const downs = net.messages('gw', 'w', 'down').length;
    net.handle('w', {
      kind: 'progress',
      leaseId: previous.lease.id,
      hashes: 10,
      shares: [{ nonce, hash: new Uint8Array(32) }],
    });
    // The coordinator takes it up (it verifies it: not stale, inside the sender's lease) instead of refusing it.
    expect(net.actionsOf('gw', mark)).toContainEqual(
      expect.objectContaining({ kind: 'verify', seedHash: previous.job.seedHash, nonce, blob: previous.job.blob }),
    );
    expect(net.messages('gw', 'w', 'down')).toHaveLength(downs);
  });
});

describe('a joining peer', () => {
  it('tries only a fresh list of the room once the last one led nowhere, not the peers that failed before it', () => {
    let now = TEST_NOW;
    const peer = new ClusterPeer({
      info: testInfo('w'),
      keys: testKeys('w'),
      now: () => now,
      random: () => 0,
      source: 'none',
    });
    const connects = () => peer.drain().flatMap((action) => (action.kind === 'connect' ? [action.peer] : []));
    peer.start();
    peer.handle({ kind: 'timeout' });
    peer.handle({ kind: 'discovered', peers: [idOf('gone')] });
    expect(connects()).toEqual([idOf('gone')]);
    // The gateway it lists was killed: the link fails, and a while later the peer asks for the room again.
    peer.handle({ kind: 'linkFailed', peer: idOf('gone') });
    now += 2500;
    peer.handle({ kind: 'timeout' });
    expect(kinds(peer.drain())).toContain('discover');
    // The answer is slow (signaling is coming back): the peer that failed is not asked again meanwhile.
    for (let tick = 0; tick < 8; tick++) {
      now += 250;
      peer.handle({ kind: 'timeout' });
      expect(connects()).toEqual([]);
    }
    peer.handle({ kind: 'discovered', peers: [idOf('new')] });
    expect(connects()).toEqual([idOf('new')]);
  });

  it('gives up on a gateway that keeps saying it knows no coordinator, and asks another', () => {
    const net = new TestNet();
    net.addManual('b');
    net.addManual('c');
    net.add('a', { random: () => 0 }); // picks the first peer discovered
    net.room = ['b', 'c'];
    net.start('a');
    expect(net.actionsOf('a')).toContainEqual({ kind: 'connect', peer: idOf('b') });
    // b joins at the same moment, so it knows no coordinator, and says so to every join request.
    net.inject('b', 'a', net.envelopes('b', true).hello(idOf('a'), testInfo('b', { role: 'gateway' }), null));
    const start = net.now;
    let answered = 0;
    while (!net.actionsOf('a').some((action) => action.kind === 'connect' && action.peer === idOf('c'))) {
      if (net.now - start > 10_000) throw new Error('never asked c');
      net.advance(250);
      for (; answered < net.messages('a', 'b', 'join').length; answered++) {
        net.inject('b', 'a', { v, type: 'redirect', coordinator: null, term: 0, full: false });
      }
    }
    expect(answered).toBeGreaterThan(1);
    expect(net.now - start).toBeLessThanOrEqual(DEFAULT_PEER_SETTINGS.joinStepTimeoutMs + 1000);
  });

  it('follows a redirect only when a gateway gives it', () => {
    for (const gateway of [false, true]) {
      const net = new TestNet();
      net.addManual('b');
      net.add('a');
      net.room = ['b'];
      net.start('a');
      const info = testInfo('b', gateway ? { role: 'gateway' } : {});
      net.inject('b', 'a', net.envelopes('b', gateway).hello(idOf('a'), info, null));
      const mark = net.mark('a');
      net.inject('b', 'a', { v, type: 'redirect', coordinator: idOf('elsewhere'), term: 1, full: true });
      net.advance(3250);
      const asked = net.actionsOf('a', mark).some((a) => a.kind === 'connect' && a.peer === idOf('elsewhere'));
      expect(asked).toBe(gateway);
    }
  });
});

/**
 * A coordinator that keeps one child slot past its standbys, so the tree has depth: `r` goes right under `gw`,
 * `v` under `r`.
 */
function deepCluster() {
  const net = new TestNet();
  net.add('gw', { gateway: true, settings: { coordinatorLinks: 11, joinSlots: 8 } });
  net.room = ['gw'];
  net.start('gw');
  for (const name of ['r', 'v']) {
    net.add(name);
    net.start(name);
  }
  expect(net.messages('v', 'r', 'attach')).toHaveLength(1);
  expect(net.peer('v').phase).toBe('member');
  return net;
}

describe('a relay', () => {
  it('passes its children’s up messages on unchanged, and the coordinator’s down messages by their route', () => {
    const net = deepCluster();
    const fromV = net.messages('v', 'r', 'up');
    expect(fromV.length).toBeGreaterThan(0);
    const relayed = net.messages('r', 'gw', 'up');
    for (const message of fromV) expect(relayed).toContainEqual(message);
    const toV = net.messages('gw', 'r', 'down').filter((m) => m.type === 'down' && m.route.length === 2);
    expect(toV.length).toBeGreaterThan(0);
    expect(net.messages('r', 'v', 'down').map((m) => m.type === 'down' && m.signed)).toEqual(
      toV.map((m) => m.type === 'down' && m.signed),
    );
  });

  it('gives a child that attaches the latest job broadcast, which it may have missed on its way', () => {
    const net = deepCluster();
    const [welcome] = net.messages('gw', 'r', 'welcome');
    const [job] = net.messages('r', 'v', 'broadcast');
    expect(welcome?.type === 'welcome' && welcome.job).toEqual(job?.type === 'broadcast' && job.signed);
    expect(net.peer('v').latestJob?.id).toBe(net.peer('gw').latestJob?.id);
  });

  it('cannot forge, alter or replay what its children send: the coordinator refuses each', () => {
    const net = deepCluster();
    const lease = net.peer('v').miningLease?.lease;
    if (lease === undefined) throw new Error('no lease');
    net.handle('v', {
      kind: 'progress',
      leaseId: lease.id,
      hashes: 5,
      shares: [{ nonce: lease.start + 1, hash: new Uint8Array(32) }],
    });
    const share = net.messages('v', 'r', 'up').at(-1);
    if (share?.type !== 'up') throw new Error('no share');
    const payload = JSON.parse(share.signed.payload);
    expect(payload.body.type).toBe('share');
    const verifications = () => net.actionsOf('gw').filter((action) => action.kind === 'verify').length;
    expect(verifications()).toBe(1);
    const mark = net.mark('gw');

    // A share in the victim's name, signed by the relay.
    const forged = { ...payload, n: payload.n + 1, body: { ...payload.body, seq: 99, nonce: lease.start + 2 } };
    net.inject('r', 'gw', { v, type: 'up', signed: signJson(nobleEd25519, testIdentity('r').secretKey, forged) });
    // The victim's share, with another nonce.
    const altered = {
      ...share.signed,
      payload: share.signed.payload.replace(`"nonce":${lease.start + 1}`, `"nonce":${lease.start + 2}`),
    };
    expect(altered.payload).not.toBe(share.signed.payload);
    net.inject('r', 'gw', { v, type: 'up', signed: altered });
    // The victim's share again.
    net.inject('r', 'gw', share);
    expect(net.refusalsOf('gw', mark)).toEqual(['bad-signature', 'bad-signature', 'replayed']);
    expect(verifications()).toBe(1);
  });

  it('cannot alter what the coordinator sends its children', () => {
    const net = new TestNet();
    net.add('gw', { gateway: true, settings: { coordinatorLinks: 11, joinSlots: 8 } });
    net.room = ['gw'];
    net.start('gw');
    net.add('r');
    net.start('r');
    // r hands v a lease of its own making.
    net.intercept = ({ from, message }) => {
      if (from !== 'r' || message.type !== 'down') return message;
      return {
        ...message,
        signed: { ...message.signed, payload: message.signed.payload.replace('"count":300', '"count":3000') },
      };
    };
    net.add('v');
    net.start('v');
    expect(net.peer('v').phase).toBe('member');
    expect(net.peer('v').miningLease).toBeUndefined();
    expect(net.noticesOf('v')).toContainEqual({
      kind: 'badMessage',
      from: idOf('r'),
      error: 'down: the signature does not match',
    });
  });
});

describe('a parent', () => {
  it('takes a child only with a placement the coordinator signed for this term, this child and itself', () => {
    const net = cluster('r');
    net.addManual('x');
    net.connect('x', 'r');
    net.inject('x', 'r', net.envelopes('x').hello(idOf('r'), testInfo('x'), null));
    const coordinator = net.envelopes('gw', true);
    const x = idOf('x');
    const r = idOf('r');
    const mark = net.mark('r');
    for (const placement of [
      net.envelopes('x').placement(1, x, r), // signed by the joiner itself
      coordinator.placement(1, idOf('y'), r), // for another peer
      coordinator.placement(1, x, idOf('gw')), // for another parent
      coordinator.placement(2, x, r), // for another term
    ]) {
      net.inject('x', 'r', { v, type: 'attach', placement });
    }
    expect(net.noticesOf('r', mark).map((notice) => notice.kind)).toEqual([
      'badMessage',
      'badMessage',
      'badMessage',
      'badMessage',
    ]);
    expect(net.messages('r', 'x', 'broadcast')).toEqual([]);
    // Not a child: what it sends up goes nowhere.
    const status = net.envelopes('x').up(1, 1, { v, type: 'status', info: testInfo('x'), parent: r, children: 0 });
    const relayed = () =>
      net.messages('r', 'gw', 'up').filter((m) => m.type === 'up' && m.signed.sig === status.signed.sig);
    net.inject('x', 'r', status);
    expect(relayed()).toEqual([]);

    net.inject('x', 'r', { v, type: 'attach', placement: coordinator.placement(1, x, r) });
    expect(net.messages('r', 'x', 'broadcast')).toHaveLength(1);
    net.inject(
      'x',
      'r',
      net.envelopes('x').up(1, 2, { v, type: 'status', info: testInfo('x'), parent: r, children: 0 }),
    );
    expect(net.messages('r', 'gw', 'up').at(-1)).toEqual(
      net.envelopes('x').up(1, 2, { v, type: 'status', info: testInfo('x'), parent: r, children: 0 }),
    );
  });
});

describe('a member hearing of a new coordinator', () => {
  const heartbeat = (net: TestNet, signer: string, term: number, credential: Credential) =>
    net.envelopes(signer).broadcast(term, {
      v,
      type: 'heartbeat',
      succession: [],
      totals: { peers: 1, hashrate: 0, sharesAccepted: 0, sharesRejected: 0, blocksFound: 0 },
      credential,
    });

  it("follows a broadcast of a later term only with that coordinator's own credential", () => {
    const net = cluster('w');
    const g2 = testCredential('g2');
    const mark = net.mark('w');
    const marked = net.delivered.length;
    const job = net.peer('w').latestJob;
    if (job === undefined) throw new Error('no job');
    for (const broadcast of [
      heartbeat(net, 'evil', 2, g2), // a worker showing a gateway's credential
      heartbeat(net, 'g3', 2, testCredential('g3', { cluster: testIdentity('rival') })), // another cluster's
      net.envelopes('g2').broadcast(2, { v, type: 'job', job: jobToWire({ ...job, id: 'new' }) }), // no credential
      heartbeat(net, 'g2', 0, g2), // an older term
    ]) {
      net.inject('gw', 'w', broadcast);
    }
    // A broadcast in the name of the coordinator it follows, signed by someone else.
    const forged = heartbeat(net, 'g2', 1, g2);
    const payload = { ...JSON.parse(forged.signed.payload), coordinator: idOf('gw') };
    net.inject('gw', 'w', { ...forged, signed: { ...forged.signed, payload: JSON.stringify(payload) } });
    expect(net.noticesOf('w', mark)).toEqual([
      { kind: 'badMessage', from: idOf('gw'), error: 'broadcast: the signature does not match' },
    ]);
    expect(net.peer('w').currentTerm).toBe(1);
    expect(net.peer('w').latestJob?.id).toBe(job.id);
    expect(net.delivered.slice(marked).filter((d) => d.from === 'w')).toEqual([]);

    net.inject('gw', 'w', heartbeat(net, 'g2', 2, g2));
    expect(net.noticesOf('w', mark)).toContainEqual({ kind: 'coordinator', id: idOf('g2'), term: 2, self: false });
    expect(net.peer('w').currentTerm).toBe(2);
    // It reports to the new term at once.
    expect(net.upPayloads('w', 'gw', marked).map((up) => [up.term, up.body.type])).toEqual([[2, 'status']]);
  });

  it('takes broadcasts only from its parent', () => {
    const net = cluster('w');
    net.addManual('x');
    net.connect('x', 'w');
    net.inject('x', 'w', net.envelopes('x').hello(idOf('w'), testInfo('x'), null));
    net.inject('x', 'w', heartbeat(net, 'g2', 2, testCredential('g2')));
    expect(net.peer('w').currentTerm).toBe(1);
  });
});

/** A signed replica body for `to`, as the coordinator `gw` of term 1 sends it. */
function replica(
  net: TestNet,
  to: string,
  from: number,
  snapshot: { part: number; parts: number } | null,
  entries: ReplicaEntry[],
) {
  return net.envelopes('gw', true).down(1, idOf(to), [idOf(to)], { v, type: 'replica', from, snapshot, entries });
}

describe('a worker', () => {
  it('never takes over, even named a standby and holding a replica, or told to', () => {
    const net = cluster('w');
    const succession = net.envelopes('gw', true).broadcast(1, {
      v,
      type: 'heartbeat',
      succession: [idOf('w')],
      totals: { peers: 2, hashrate: 10, sharesAccepted: 0, sharesRejected: 0, blocksFound: 0 },
      credential: testCredential('gw'),
    });
    net.inject('gw', 'w', succession);
    net.inject(
      'gw',
      'w',
      replica(net, 'w', 0, { part: 0, parts: 1 }, [{ e: 'totals', accepted: 0, rejected: 0, blocks: 0 }]),
    );
    net.inject('gw', 'w', net.envelopes('gw', true).down(1, idOf('w'), [idOf('w')], { v, type: 'handover' }));
    expect(net.peer('w').phase).toBe('member');
    net.kill('gw');
    net.advance(30_000);
    expect(net.peer('w').phase).not.toBe('coordinator');
    expect(net.noticesOf('w').filter((notice) => notice.kind === 'coordinator')).toHaveLength(1);
  });
});

/** The gateway's cluster with a gateway `s` (its standby) and a worker `w`, settled. */
function withStandbyAndWorker() {
  const net = aloneGateway();
  net.add('s', { gateway: true });
  net.start('s');
  net.add('w');
  net.start('w');
  net.advance(2000);
  return net;
}

/**
 * `w` reports a share of its lease and the coordinator verifies it. Answers the share's nonce, and `since`: the index
 * of the first message after the report.
 */
function verifiedShare(net: TestNet): { since: number; nonce: number } {
  const lease = net.peer('w').miningLease?.lease;
  if (lease === undefined) throw new Error('no lease');
  const hash = new Uint8Array(32).fill(0xee).fill(0, 24);
  const nonce = lease.start + 1;
  const since = net.delivered.length;
  net.handle('w', { kind: 'progress', leaseId: lease.id, hashes: 10, shares: [{ nonce, hash }] });
  const verify = net.actionsOf('gw').findLast((action) => action.kind === 'verify');
  if (verify?.kind !== 'verify') throw new Error('no verification');
  net.handle('gw', { kind: 'verified', ticket: verify.ticket, hash });
  return { since, nonce };
}

describe('a member whose coordinator restarted from its store', () => {
  it('drops the shares of earlier terms, which the restored coordinator could only refuse, and keeps mining', () => {
    const net = new TestNet();
    net.room = ['gw'];
    net.add('gw', { gateway: true });
    net.start('gw');
    net.advance(5000);
    net.add('w');
    net.start('w');
    net.advance(5000);
    const lease = net.peer('w').miningLease?.lease;
    if (lease === undefined) throw new Error('no lease');
    // w finds a share; the server is killed before it answers.
    const hash = new Uint8Array(32).fill(0xee).fill(0, 24);
    net.handle('w', { kind: 'progress', leaseId: lease.id, hashes: 10, shares: [{ nonce: lease.start + 1, hash }] });
    expect(net.peer('w').unconfirmedShares).toHaveLength(1);
    net.kill('gw');
    // It comes back with a new gateway id, from its store: a later term that knows none of the earlier jobs.
    net.room = ['gw2'];
    net.add('gw2', { gateway: true, ledger: { term: 1, entries: [] } });
    net.start('gw2');
    net.advance(20_000);
    expect(net.peer('w').phase).toBe('member');
    expect(net.peer('w').unconfirmedShares).toEqual([]);
    // Sent again, it would be refused, and counted against w's account as a refused share.
    expect(net.noticesOf('w')).not.toContainEqual(expect.objectContaining({ kind: 'shareResult', accepted: false }));
    expect(net.actionsOf('w').findLast((action) => action.kind === 'mine')).toMatchObject({
      job: { id: net.peer('gw2').latestJob?.id },
    });
  });
});

describe('a standby', () => {
  it('installs a snapshot that comes in parts only once the last part arrived, then follows the log', () => {
    const net = new TestNet();
    net.add('gw', { gateway: true, settings: { standbys: 0 } }); // replicates nothing of its own
    net.room = ['gw'];
    net.start('gw');
    net.add('s', { gateway: true });
    net.start('s');
    expect(net.peer('s').phase).toBe('member');
    const acks = () =>
      net
        .upPayloads('s', 'gw')
        .flatMap((up) => (up.body.type === 'replicaAck' ? [[up.body.seq, up.body.resend] as const] : []));
    const ban = (n: number): ReplicaEntry => ({ e: 'ban', peer: fakeId(n), until: 1e15 });
    net.inject('gw', 's', replica(net, 's', 50, { part: 0, parts: 3 }, [ban(1)]));
    net.inject('gw', 's', replica(net, 's', 50, { part: 1, parts: 3 }, [ban(2)]));
    expect(acks()).toEqual([]);
    net.inject('gw', 's', replica(net, 's', 50, { part: 2, parts: 3 }, [ban(3)]));
    expect(acks()).toEqual([[50, false]]);
    net.inject('gw', 's', replica(net, 's', 50, null, [ban(4), ban(5)]));
    expect(acks().at(-1)).toEqual([52, false]);
    // A gap asks for everything from what it holds.
    net.inject('gw', 's', replica(net, 's', 60, null, [ban(6)]));
    expect(acks().at(-1)).toEqual([52, true]);
    // A part out of order, or of another snapshot, starts over; the state stored so far stays.
    net.inject('gw', 's', replica(net, 's', 70, { part: 1, parts: 2 }, [ban(7)]));
    expect(acks().at(-1)).toEqual([52, true]);
    net.inject('gw', 's', replica(net, 's', 80, { part: 0, parts: 2 }, [ban(8)]));
    net.inject('gw', 's', replica(net, 's', 90, { part: 1, parts: 2 }, [ban(9)]));
    expect(acks().slice(3)).toEqual([
      [52, true],
      [52, true],
    ]);

    // Named first standby, it takes over with what it installed when the coordinator goes.
    net.inject(
      'gw',
      's',
      net.envelopes('gw', true).broadcast(1, {
        v,
        type: 'heartbeat',
        succession: [idOf('s')],
        totals: { peers: 2, hashrate: 0, sharesAccepted: 0, sharesRejected: 0, blocksFound: 0 },
        credential: testCredential('gw'),
      }),
    );
    net.kill('gw');
    net.advance(1000);
    expect(net.peer('s').phase).toBe('coordinator');
    expect([...(net.peer('s').coordinatorState?.state.banned.keys() ?? [])]).toEqual([1, 2, 3, 4, 5].map(fakeId));
  });

  it('answers a share as soon as the standby acknowledged it, with no timeout on the way', () => {
    const net = withStandbyAndWorker();
    expect(net.peer('gw').coordinatorState?.successors).toEqual([idOf('s')]);
    // Only events from here on: the verification, the replica to the standby, its acknowledgement, the answer.
    const { since, nonce } = verifiedShare(net);
    const stored = net
      .downPayloads('gw', 's', since)
      .flatMap((down) => (down.body.type === 'replica' ? down.body.entries : []));
    expect(stored).toContainEqual(expect.objectContaining({ e: 'share', peer: idOf('w'), nonce }));
    expect(net.noticesOf('w')).toContainEqual(expect.objectContaining({ kind: 'shareResult', accepted: true }));
  });

  it('takes over with the replicated state when the coordinator goes, and the members follow it', () => {
    const net = withStandbyAndWorker();
    const gw = net.peer('gw').coordinatorState;
    expect(gw?.successors).toEqual([idOf('s')]);
    // w finds a share; the coordinator verifies it and answers once the standby has stored it.
    verifiedShare(net);
    net.advance(500);
    expect(net.noticesOf('w')).toContainEqual(expect.objectContaining({ kind: 'shareResult', accepted: true }));
    const leases = [...(gw?.state.leases.keys() ?? [])];

    net.kill('gw');
    net.advance(8000);
    const s = net.peer('s');
    expect(s.phase).toBe('coordinator');
    expect(s.currentTerm).toBe(2);
    const state = s.coordinatorState?.state;
    expect(state?.accounts.get(idOf('w'))).toMatchObject({ accepted: 1 });
    expect([...(state?.leases.keys() ?? [])]).toEqual(expect.arrayContaining(leases));
    expect(state?.members.has(idOf('w'))).toBe(true);
    expect(net.peer('w').phase).toBe('member');
    expect(net.peer('w').currentTerm).toBe(2);
    expect(s.coordinatorState?.memberIds()).toContain(idOf('w'));
  });
});

describe('a member whose coordinator falls silent', () => {
  it('closes the link to it even while the link stays up, and joins the standby that took over', () => {
    const net = withStandbyAndWorker();
    expect(net.peer('gw').coordinatorState?.parentOf(idOf('w'))).toBe(idOf('gw'));
    net.kill('gw', { linksStayUp: true });
    net.advance(15_000);
    expect(net.peer('s')).toMatchObject({ phase: 'coordinator', currentTerm: 2 });
    expect(net.peer('w')).toMatchObject({ phase: 'member', currentTerm: 2 });
    expect(net.actionsOf('w')).toContainEqual({ kind: 'disconnect', peer: idOf('gw') });
    expect(net.peer('s').coordinatorState?.memberIds()).toContain(idOf('w'));
  });
});

describe('a standby cut off from its coordinator', () => {
  it('does not take over while the coordinator answers its join requests, if only to say it is full', () => {
    const net = withStandbyAndWorker();
    const full: Message = { v, type: 'redirect', coordinator: idOf('gw'), term: 1, full: true };
    net.intercept = ({ from, to, message }) =>
      from === 'gw' && to === 's' && message.type === 'welcome' ? full : message;
    net.cut('gw', 's');
    net.advance(20_000);
    expect(net.peer('s').phase).toBe('joining');
    expect(net.peer('gw')).toMatchObject({ phase: 'coordinator', currentTerm: 1 });

    net.intercept = undefined;
    net.advance(5_000);
    expect(net.peer('s')).toMatchObject({ phase: 'member', currentTerm: 1 });
  });
});

describe('a coordinator without a job source of its own', () => {
  it('hands the cluster to a gateway with one once it has stored everything, and joins under it', () => {
    const net = new TestNet();
    net.add('host', { gateway: true }); // carries on the demo chain, with no source of its own
    net.room = ['host'];
    net.start('host');
    net.add('w');
    net.start('w');
    // The server's gateway comes back: it has a job source.
    net.add('server', { gateway: true, info: { jobSource: true } });
    // Its acknowledgements are held back a while: the host has to wait for them.
    const held: Message[] = [];
    net.intercept = ({ message }) => {
      const body = message.type === 'up' ? payloadOf<UpPayload>(message.signed).body : undefined;
      if (body?.type !== 'replicaAck') return message;
      held.push(message);
      return undefined;
    };
    net.start('server');
    net.advance(2000);
    const handovers = () => net.downPayloads('host', 'server').filter((down) => down.body.type === 'handover');
    expect(net.peer('host').coordinatorState?.successors).toEqual([idOf('server')]);
    expect(held.length).toBeGreaterThan(0);
    expect(handovers()).toEqual([]);
    expect(net.peer('host').phase).toBe('coordinator');

    net.intercept = undefined;
    for (const ack of held.splice(0)) net.inject('server', 'host', ack);
    net.advance(1000);
    expect(handovers()).toHaveLength(1);
    expect(handovers()[0]?.term).toBe(1);
    const server = net.peer('server');
    expect(server.phase).toBe('coordinator');
    expect(server.currentTerm).toBe(2);
    const host = net.peer('host');
    expect(host.phase).toBe('member');
    expect(host.currentTerm).toBe(2);
    expect(host.coordinatorState).toBeUndefined();
    expect(server.coordinatorState?.parentOf(idOf('host'))).toBe(idOf('server'));
    // The host's subtree follows.
    net.advance(4000);
    expect(net.peer('w').currentTerm).toBe(2);
    expect(net.peer('w').phase).toBe('member');
    expect(handovers()).toHaveLength(1);
  });
});

describe('a server that restarts from its store while a standby carries its cluster on', () => {
  it('joins that standby and gets coordination back by handover, with the credit earned meanwhile', () => {
    const net = withStandbyAndWorker();
    verifiedShare(net);
    net.advance(500);
    const kept = ledgerOf(net.peer('gw').coordinatorState?.state ?? new ReplicatedState());
    net.kill('gw');
    net.advance(8000);
    expect(net.peer('s').currentTerm).toBe(2);
    net.advance(10_000);
    const credited = net.peer('s').coordinatorState?.state.accounts.get(idOf('w'))?.work ?? 0n;
    expect(credited).toBeGreaterThan(0n);

    // The server comes back under a new id that sorts first, and finds nobody at first: it starts a cluster of its
    // own from its store, at the standby's term.
    const [server] = namesAround('s');
    net.room = [server];
    net.add(server, { gateway: true, info: { jobSource: true }, ledger: { term: 1, entries: kept } });
    net.start(server);
    net.advance(5000);
    expect(net.noticesOf(server)).toContainEqual({ kind: 'coordinator', id: idOf(server), term: 2, self: true });

    net.room = [server, 's', 'w'];
    net.advance(30_000);
    const restarted = net.peer(server);
    expect(restarted.phase).toBe('coordinator');
    expect(restarted.currentTerm).toBe(3);
    expect(restarted.coordinatorState?.state.accounts.get(idOf('w'))?.work).toBeGreaterThanOrEqual(credited);
    for (const name of ['s', 'w']) {
      expect(net.peer(name).phase).toBe('member');
      expect(net.peer(name).currentTerm).toBe(3);
    }
  });
});

describe("the operator's commands", () => {
  it('stop every member once per stop, relays passing the stop on, and only from the coordinator', () => {
    const net = deepCluster();
    const stops = (name: string) => net.noticesOf(name).filter((notice) => notice.kind === 'stopMining');
    // A peer that does not coordinate has no cluster to stop.
    net.handle('r', { kind: 'operator', command: 'stopEveryTab' });
    expect(stops('r')).toEqual([]);
    net.handle('gw', { kind: 'operator', command: 'stopEveryTab' });
    expect(stops('r')).toHaveLength(1);
    expect(stops('v')).toHaveLength(1);
    const relayedStops = net
      .messages('r', 'v', 'broadcast')
      .filter(
        (message) =>
          message.type === 'broadcast' && payloadOf<BroadcastPayload>(message.signed).body.type === 'stopMining',
      );
    expect(relayedStops).toHaveLength(1);
    // A repeat of the same stop (a relay replaying it) stops nothing again; the next stop does.
    net.inject('r', 'v', relayedStops[0]);
    expect(stops('v')).toHaveLength(1);
    net.advance(10);
    net.handle('gw', { kind: 'operator', command: 'stopEveryTab' });
    expect(stops('v')).toHaveLength(2);
  });

  it('clear the leaderboard on the coordinator and its standbys, and keep the totals', () => {
    const net = withStandbyAndWorker();
    verifiedShare(net);
    net.advance(500);
    const coordinator = net.peer('gw').coordinatorState;
    expect(coordinator?.state.accounts.get(idOf('w'))).toMatchObject({ accepted: 1 });

    const since = net.delivered.length;
    net.handle('gw', { kind: 'operator', command: 'clearAccounts' });
    net.advance(500);
    expect(coordinator?.state.accounts.size).toBe(0);
    expect(coordinator?.totals()).toMatchObject({ sharesAccepted: 1 });
    expect(coordinator?.memberViews().find((view) => view.id === idOf('w'))).toMatchObject({ creditedWork: 0n });
    const replicated = net
      .downPayloads('gw', 's', since)
      .flatMap((down) => (down.body.type === 'replica' ? down.body.entries : []));
    expect(replicated).toContainEqual({ e: 'clearAccounts' });
  });
});
