// @ts-check
// The signed traffic of the cluster protocol as core's own code makes it, for scripts/bench-crypto.mjs: real keys,
// real `Envelopes`, a job of the demo chain, one fixture per message kind with what makes it (stringify + sign, as
// its signer does) and what opens it (parse + schema + verify, as its receiver does). The same module runs in
// Node and, bundled, in Chromium (scripts/lib/crypto-page), so both measure the same bytes: the keys and clock are
// fixed and Ed25519 signatures are deterministic.
import { Envelopes } from '../../packages/core/dist/cluster/envelopes.js';
import { jobToWire, PROTOCOL_VERSION } from '../../packages/core/dist/cluster/wire.js';
import { checkCredential, issueCredential } from '../../packages/core/dist/identity/credential.js';
import { identityFromSecret } from '../../packages/core/dist/identity/keys.js';
import { nobleEd25519 } from '../../packages/core/dist/identity/signature-scheme.js';
import { DemoChain } from '../../packages/core/dist/jobs/demo-chain.js';
import { targetForDifficulty } from '../../packages/core/dist/target.js';

/** @typedef {import('../../packages/core/dist/identity/signature-scheme.js').SignatureScheme} SignatureScheme */
/** @typedef {import('../../packages/core/dist/cluster/wire.js').PeerInfo} PeerInfo */

export const FIXTURE_NOW = 1_800_000_000_000;
const TERM = 2;

/**
 * Every kind of signed value the protocol sends, named as bench-crypto counts them in the simulation: `up:share`
 * is an up message whose body is a share, `credential` a gateway credential, and so on.
 */
export const KINDS = /** @type {const} */ ([
  'up:share',
  'up:status',
  'up:needWork',
  'up:replicaAck',
  'up:gone',
  'down:lease',
  'down:shareResult',
  'down:replica',
  'down:banned',
  'broadcast:job',
  'broadcast:heartbeat',
  'broadcast:block',
  'hello',
  'placement',
  'credential',
]);

/** A signature scheme that signs and checks nothing: what the envelope costs without the curve. */
export const noSignatures = /** @type {SignatureScheme} */ ({
  publicKey: (secretKey) => nobleEd25519.publicKey(secretKey),
  sign: () => new Uint8Array(64),
  verify: () => true,
});

/** @param {number} byte */
const seed = (byte) => new Uint8Array(32).fill(byte);

/**
 * @typedef {object} Fixture
 * @property {string} kind
 * @property {'browser' | 'gateway' | 'coordinator' | 'cluster'} signer
 * @property {'browser' | 'gateway' | 'coordinator'} opener
 * @property {number} payloadBytes the signed JSON text
 * @property {number} wireBytes the whole message as JSON on the link
 * @property {Uint8Array} payload the signed bytes, for raw signing and verification
 * @property {Uint8Array} signature
 * @property {Uint8Array} signerPublicKey
 * @property {Uint8Array} signerSecretKey
 * @property {() => unknown} make stringify and sign, as the signer does
 * @property {() => boolean} open parse, check and verify, as the receiver does; true when it passes
 */

/**
 * One fixture per kind, made and opened with `scheme`.
 * @param {SignatureScheme} scheme
 * @param {{ replicaEntries: number }} options how many entries a `replica` body carries
 * @returns {Fixture[]}
 */
export function buildFixtures(scheme, options) {
  const now = () => FIXTURE_NOW;
  // Identities come from the curve whatever the scheme: the no-op scheme must open the same messages.
  const cluster = identityFromSecret(nobleEd25519, seed(1));
  const coordinator = identityFromSecret(nobleEd25519, seed(2));
  const gateway = identityFromSecret(nobleEd25519, seed(3));
  const browser = identityFromSecret(nobleEd25519, seed(4));
  const relay = identityFromSecret(nobleEd25519, seed(5));
  /** @param {typeof coordinator} identity @param {boolean} holder */
  const credentialOf = (identity, holder) =>
    holder
      ? issueCredential(nobleEd25519, cluster, {
          key: identity.id,
          name: 'gateway 1',
          server: true,
          now: FIXTURE_NOW,
          lifetimeMs: 24 * 3600_000,
        })
      : null;
  const coordinatorCredential = /** @type {NonNullable<ReturnType<typeof credentialOf>>} */ (
    credentialOf(coordinator, true)
  );
  /** @param {typeof coordinator} identity @param {boolean} gatewayKey */
  const envelopesOf = (identity, gatewayKey) =>
    new Envelopes(
      { scheme, identity, cluster: cluster.id, credential: gatewayKey ? credentialOf(identity, true) : null },
      now,
    );
  const at = {
    coordinator: envelopesOf(coordinator, true),
    gateway: envelopesOf(gateway, true),
    browser: envelopesOf(browser, false),
  };

  /** @type {PeerInfo} */
  const browserInfo = {
    id: browser.id,
    name: 'browser 417',
    role: 'worker',
    engine: 'wasm',
    mode: 'light',
    cores: 4,
    memoryMb: 4096,
    mines: true,
    hashrate: 17.43,
    maxLinks: 8,
    startedAt: FIXTURE_NOW - 95_000,
    jobSource: false,
  };
  const job = new DemoChain().template(new Uint8Array(8).fill(7), FIXTURE_NOW, 12_000);
  const wireJob = jobToWire(job);
  const lease = {
    id: `${TERM}.1843`,
    jobId: job.id,
    start: 2_417_380,
    count: 523,
    target: targetForDifficulty(261n).toString(),
  };
  const v = PROTOCOL_VERSION;
  const hash = `${'a3'.repeat(24)}0000000000001f02`;
  /** @type {import('../../packages/core/dist/cluster/wire.js').WireBlock} */
  const block = {
    height: 12,
    id: '5e'.repeat(32),
    prevId: '4d'.repeat(32),
    timestamp: FIXTURE_NOW / 1000,
    difficulty: '36000',
    seedHash: '9c'.repeat(32),
    nonce: 2_417_611,
    finderId: browser.id,
    finderName: 'browser 417',
  };
  /** @type {import('../../packages/core/dist/cluster/wire.js').ReplicaEntry[]} */
  const entries = [];
  for (let i = 0; i < options.replicaEntries; i++) {
    entries.push(
      i % 2 === 0
        ? { e: 'lease', peer: browser.id, lease: { ...lease, id: `${TERM}.${1843 + i}` }, issuedAt: FIXTURE_NOW }
        : { e: 'share', peer: browser.id, name: 'browser 417', jobId: job.id, nonce: 2_417_380 + i, work: '261' },
    );
  }

  /**
   * @template {{ signed: { payload: string, sig: string } } | { payload: string, sig: string }} M
   * @param {string} kind
   * @param {Fixture['signer']} signer
   * @param {Fixture['opener']} opener
   * @param {() => M} make
   * @param {(message: M) => boolean} open
   * @returns {Fixture}
   */
  const fixture = (kind, signer, opener, make, open) => {
    const message = make();
    /** @type {{ payload: string, sig: string }} */
    const signed = /** @type {any} */ (message).signed ?? message;
    const identity = { browser, gateway, coordinator, cluster }[signer];
    const signature = Uint8Array.from(atob(signed.sig.replaceAll('-', '+').replaceAll('_', '/')), (c) =>
      c.charCodeAt(0),
    );
    if (!open(message)) throw new Error(`the ${kind} fixture does not open`);
    return {
      kind,
      signer,
      opener,
      payloadBytes: new TextEncoder().encode(signed.payload).length,
      wireBytes: new TextEncoder().encode(JSON.stringify(message)).length,
      payload: new TextEncoder().encode(signed.payload),
      signature,
      signerPublicKey: identity.publicKey,
      signerSecretKey: identity.secretKey,
      make,
      open: () => open(message),
    };
  };
  /** @param {import('../../packages/core/dist/cluster/wire.js').UpBody} body @param {'browser' | 'gateway'} from */
  const up = (body, from = 'browser') =>
    fixture(
      `up:${body.type}`,
      from,
      'coordinator',
      () => at[from].up(TERM, 4711, body),
      (message) => at.coordinator.openUp(message).ok,
    );
  /** @param {import('../../packages/core/dist/cluster/wire.js').DownBody} body @param {'browser' | 'gateway'} to */
  const down = (body, to = 'browser') =>
    fixture(
      `down:${body.type}`,
      'coordinator',
      to,
      () => at.coordinator.down(TERM, at[to].id, [relay.id, at[to].id], body),
      (message) => at[to].openDown(message, coordinator.id, TERM).ok,
    );
  /** @param {import('../../packages/core/dist/cluster/wire.js').BroadcastBody} body */
  const broadcast = (body) =>
    fixture(
      `broadcast:${body.type}`,
      'coordinator',
      'browser',
      () => at.coordinator.broadcast(TERM, body),
      (message) => at.browser.openBroadcast(message).ok,
    );

  const fixtures = [
    up({ v, type: 'share', seq: 38, jobId: job.id, leaseId: lease.id, nonce: 2_417_611, hash }),
    up({ v, type: 'status', info: browserInfo, parent: relay.id, children: 2 }),
    up({ v, type: 'needWork', hashrate: 17.43 }),
    up({ v, type: 'replicaAck', seq: 41_230, resend: false }, 'gateway'),
    up({ v, type: 'gone', peer: relay.id }),
    down({ v, type: 'lease', lease, job: wireJob }),
    down({ v, type: 'shareResult', seq: 38, accepted: true }),
    down({ v, type: 'replica', from: 41_230, snapshot: null, entries }, 'gateway'),
    down({ v, type: 'banned', reason: 'three invalid shares' }),
    broadcast({ v, type: 'job', job: wireJob }),
    broadcast({
      v,
      type: 'heartbeat',
      succession: [gateway.id, relay.id],
      totals: { peers: 1000, hashrate: 19_874.5, sharesAccepted: 12_408, sharesRejected: 31, blocksFound: 11 },
      credential: coordinatorCredential,
    }),
    broadcast({ v, type: 'block', block }),
    fixture(
      'hello',
      'browser',
      'coordinator',
      () => at.browser.hello(coordinator.id, browserInfo, null),
      (message) => at.coordinator.openHello(browser.id, message).ok,
    ),
    fixture(
      'placement',
      'coordinator',
      'browser',
      () => at.coordinator.placement(TERM, relay.id, browser.id),
      (signed) => at.browser.openPlacement(signed, coordinator.id).ok,
    ),
    fixture(
      'credential',
      'cluster',
      'browser',
      () =>
        issueCredential(scheme, cluster, {
          key: coordinator.id,
          name: 'gateway 1',
          server: true,
          now: FIXTURE_NOW,
          lifetimeMs: 24 * 3600_000,
        }),
      // Uncached, as a peer checks a new coordinator's credential once.
      (signed) => checkCredential(scheme, cluster.id, coordinator.id, signed, FIXTURE_NOW).ok,
    ),
  ];
  const missing = KINDS.filter((kind) => !fixtures.some((one) => one.kind === kind));
  if (missing.length > 0) throw new Error(`no fixture for ${missing.join(', ')}`);
  return fixtures;
}
