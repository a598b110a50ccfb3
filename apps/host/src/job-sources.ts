// The gateway flags that `rxmesh serve` and `rxmesh host` share: --source (repeatable, for pool failover),
// --wallet, --user and --pass, checked together into one plan before anything connects, and --share-seconds.
import { DEFAULT_COORDINATOR_SETTINGS, type JobSource, parseWalletAddress, type WalletAddress } from '@rxmesh/core';
import type { Log } from '@rxmesh/mesh';
import { type Command, Option } from 'commander';
import { CliError } from './errors.js';
import { type JobSourceSpec, parseJobSource, parsePort, parsePositiveInteger, socketHost } from './options.js';
import { DaemonSource } from './sources/daemon-source.js';
import { type PoolLogin, StratumSource } from './sources/stratum-source.js';

/** The pool flags (--user, --pass, --tls-fingerprint, --nicehash, --keepalive, --rig-id): what each pool may also
 * have of its own. */
export interface JobSourceFlags extends PoolLogin {
  /** Every --source in the order given; empty when none was. */
  source: JobSourceSpec[];
  wallet?: string;
  daemonZmqPort?: number;
  /** Each --source pool's own settings, from a --config file's "pools", in the same order. */
  poolSettings?: PoolLogin[];
  /** While this gateway coordinates, each miner's share target aims at one share per this many seconds. */
  shareSeconds: number;
}

export type JobSourcePlan =
  | { kind: 'demo' }
  | { kind: 'daemon'; url: URL; wallet: string; zmqPort?: number }
  | {
      kind: 'stratum';
      /** Each pool, with what it has of its own. */
      urls: { url: URL; tls: boolean; own?: PoolLogin }[];
      /** The login of the pools that have none of their own. */
      user: string;
      pass: string;
      rigId?: string;
      /** A self-signed stratum+ssl pool's certificate, pinned by its SHA-256 fingerprint. */
      tlsFingerprint?: string;
      nicehash: boolean;
      keepalive: boolean;
    };

const SOURCE_FLAG_HELP =
  'job source: demo, daemon+http://HOST:PORT, or stratum+tcp://HOST:PORT / stratum+ssl://HOST:PORT ' +
  '(repeat --source for pools to fail over to, in order)';

/**
 * Adds what a gateway is told: --source, --wallet, --user, --pass and the pool flags, and --share-seconds;
 * `sourceHelp` replaces the --source description.
 */
export function addJobSourceOptions(command: Command, sourceHelp = SOURCE_FLAG_HELP): Command {
  return command
    .addOption(
      new Option('-o, --source <url>', sourceHelp)
        .default([], 'demo')
        .argParser((value: string, previous: JobSourceSpec[]) => [...previous, parseJobSource(value)]),
    )
    .option('--wallet <address>', 'wallet address that block rewards go to (daemon sources)')
    .addOption(
      new Option(
        '--daemon-zmq-port <port>',
        "monerod's --zmq-pub port on the daemon's host: new blocks arrive at once instead of by polling",
      ).argParser(parsePort),
    )
    .option('-u, --user <login>', 'pool login, usually a wallet address (stratum sources)')
    .option('-p, --pass <password>', 'pool password or worker name (stratum sources; default: x)')
    .option('--rig-id <id>', 'the rig id pools that list rigs show (stratum sources)')
    .option(
      '--tls-fingerprint <sha256>',
      "trust a stratum+ssl pool's self-signed certificate with this SHA-256 fingerprint (the refusal names it)",
    )
    .option('--nicehash', 'leave the nonce byte the pool fixes alone even if the pool does not say so', false)
    .option('-k, --keepalive', 'send keepalived to the pool even if it does not list the extension', false)
    .addOption(
      new Option(
        '--share-seconds <s>',
        "while this gateway coordinates, each miner's share target aims at one share per this many seconds: fewer " +
          'show work sooner and cost the gateway more verification',
      )
        .default(DEFAULT_COORDINATOR_SETTINGS.shareSeconds)
        .argParser(parsePositiveInteger),
    );
}

/** The --wallet of a daemon source: a primary address, the only kind monerod builds a block template for. */
function checkWallet(wallet: string): void {
  let address: WalletAddress;
  try {
    address = parseWalletAddress(wallet);
  } catch (error) {
    throw new CliError(
      `--wallet ${JSON.stringify(wallet)} is not a Monero address: ${(error as Error).message}. Copy the primary ` +
        'address your wallet shows for receiving.',
    );
  }
  if (address.kind === 'subaddress') {
    throw new CliError(
      `--wallet ${wallet.slice(0, 8)}… is a subaddress, and monerod will not build a block for one ("Mining to ` +
        'subaddress is not supported yet"). Give your wallet\'s primary address: on mainnet it starts with 4.',
    );
  }
  if (address.kind === 'integrated') {
    throw new CliError(
      `--wallet ${wallet.slice(0, 8)}… is an integrated address: a block reward cannot carry its payment ID, so ` +
        "monerod would pay the primary address inside it and drop the ID. Give your wallet's primary address.",
    );
  }
}

/** Checks the flags together; throws a CliError that says what to give instead. */
export function planJobSource(flags: JobSourceFlags): JobSourcePlan {
  const kinds = new Set(flags.source.map((spec) => spec.kind));
  if (kinds.size > 1) {
    throw new CliError(
      'Give one kind of --source: one demo, one daemon+http:// URL, or stratum URLs (several fail over in order).',
    );
  }
  const [first] = flags.source;
  if (flags.daemonZmqPort !== undefined && first?.kind !== 'daemon') {
    throw new CliError(
      '--daemon-zmq-port goes with a daemon+http:// source: it is where monerod announces new blocks.',
    );
  }
  if (first === undefined || first.kind === 'demo') {
    if (flags.source.length > 1) throw new CliError('Give --source demo once.');
    return { kind: 'demo' };
  }
  if (first.kind === 'daemon') {
    if (flags.source.length > 1) {
      throw new CliError('Give one daemon+http:// URL: failover across several --source URLs is for pools.');
    }
    const wallet = flags.wallet;
    if (wallet === undefined) {
      throw new CliError('A daemon source needs --wallet ADDRESS: the Monero address that block rewards go to.');
    }
    checkWallet(wallet);
    return {
      kind: 'daemon',
      url: first.url,
      wallet,
      ...(flags.daemonZmqPort === undefined ? {} : { zmqPort: flags.daemonZmqPort }),
    };
  }
  const pools = flags.source.flatMap((spec, index) =>
    spec.kind === 'stratum' ? [{ url: spec.url, tls: spec.tls, own: flags.poolSettings?.[index] }] : [],
  );
  const user = flags.user ?? '';
  if (user === '' && pools.some((pool) => pool.own?.user === undefined)) {
    throw new CliError(
      'A stratum source needs --user LOGIN (or a "user" for each pool of the --config file): usually your wallet ' +
        'address, as the pool asks for it.',
    );
  }
  for (const fingerprint of [flags.tlsFingerprint, ...pools.map((pool) => pool.own?.tlsFingerprint)]) {
    if (fingerprint !== undefined && !/^(?:[0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/.test(fingerprint)) {
      throw new CliError(
        '--tls-fingerprint takes a SHA-256 fingerprint: 64 hex digits, with or without colons, as the refusal names it.',
      );
    }
  }
  const fingerprint = flags.tlsFingerprint;
  return {
    kind: 'stratum',
    // A pool with nothing of its own takes the source's settings.
    urls: pools.map(({ url, tls, own }) =>
      own === undefined || Object.keys(own).length === 0 ? { url, tls } : { url, tls, own },
    ),
    user,
    pass: flags.pass ?? 'x',
    ...(flags.rigId === undefined ? {} : { rigId: flags.rigId }),
    ...(fingerprint === undefined ? {} : { tlsFingerprint: fingerprint }),
    nicehash: flags.nicehash === true,
    keepalive: flags.keepalive === true,
  };
}

/** The daemon or pool of a plan, not yet started (the mesh node starts it once it has joined). */
export function openJobSource(plan: Exclude<JobSourcePlan, { kind: 'demo' }>, log: Log): JobSource {
  if (plan.kind === 'daemon') {
    const { url, wallet, zmqPort } = plan;
    return new DaemonSource({ url, wallet, log, ...(zmqPort === undefined ? {} : { zmqPort }) });
  }
  return new StratumSource({
    urls: plan.urls.map(({ url, tls, own }) => ({
      host: socketHost(url),
      port: Number(url.port),
      tls,
      ...(own === undefined ? {} : { own }),
    })),
    user: plan.user,
    pass: plan.pass,
    ...(plan.rigId === undefined ? {} : { rigId: plan.rigId }),
    nicehash: plan.nicehash,
    keepalive: plan.keepalive,
    ...(plan.tlsFingerprint === undefined ? {} : { tls: { fingerprint: plan.tlsFingerprint } }),
    log,
  });
}
