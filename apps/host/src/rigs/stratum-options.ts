// `--stratum` and `--stratum-tls`, which `serve` and `host` share where they run a gateway: the Stratum server that
// xmrig rigs mine through, each rig a member of the cluster under this gateway.
import type { SignatureScheme } from '@rxmesh/core';
import type { LocalSwitch, Log, MeshNode } from '@rxmesh/mesh';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { listenOrExplain } from '../listen.js';
import { type HostPort, parseHostPort } from '../options.js';
import { RigMembers } from './rig-members.js';
import { type StratumListen, StratumServer } from './stratum-server.js';

export interface StratumFlags {
  stratum: HostPort[];
  /** Absent where the command has no certificate to serve TLS with (`host`). */
  stratumTls?: HostPort[];
}

function collectHostPort(value: string, previous: HostPort[]): HostPort[] {
  return [...previous, parseHostPort(value)];
}

/** The flags; `--stratum-tls` only where the command has the web server's certificate options (`serve`). */
export function addStratumOptions(command: Command, { tls }: { tls: boolean }): Command {
  command.addOption(
    new Option(
      '--stratum <address:port>',
      'serve xmrig rigs on this address, repeatable (xmrig -o HOST:PORT -u NAME[+DIFFICULTY]); each rig joins the ' +
        'cluster as a member under this gateway',
    )
      .argParser(collectHostPort)
      .default([], 'none'),
  );
  if (!tls) return command;
  return command.addOption(
    new Option(
      '--stratum-tls <address:port>',
      "the same over TLS (xmrig --tls), with the web server's certificate, repeatable",
    )
      .argParser(collectHostPort)
      .default([], 'none'),
  );
}

/** Checks the flags fit together before anything listens. */
export function checkStratumFlags(flags: StratumFlags, options: { gateway: boolean; tls: boolean }): void {
  const secure = flags.stratumTls ?? [];
  const asked = flags.stratum.length + secure.length > 0;
  if (asked && !options.gateway) {
    throw new CliError('Rigs mine through a gateway: --stratum needs this process to run one.');
  }
  if (secure.length > 0 && !options.tls) {
    throw new CliError(
      "--stratum-tls serves rigs with the web server's certificate: give --tls-cert and --tls-key, or " +
        '--tls-self-signed.',
    );
  }
}

export interface RigService {
  server: StratumServer;
  close(): Promise<void>;
}

export interface OpenStratumOptions {
  gateway: MeshNode;
  localSwitch: LocalSwitch;
  scheme: SignatureScheme;
  /** The cluster key's id. */
  cluster: string;
  tls: { cert: string; key: string } | undefined;
  log: Log;
}

/** Listens on every address the flags give, once the gateway has joined; undefined when they give none. */
export async function openStratum(flags: StratumFlags, options: OpenStratumOptions): Promise<RigService | undefined> {
  const { gateway, localSwitch, scheme, cluster, tls, log } = options;
  const secure = flags.stratumTls ?? [];
  if (flags.stratum.length + secure.length === 0) return undefined;
  const rigs = new RigMembers({ gatewayId: gateway.id, localSwitch, scheme, cluster, log });
  const server = new StratumServer(rigs, log);
  // checkStratumFlags made sure --stratum-tls comes with a certificate.
  const listens: (StratumListen & { flag: string })[] = [
    ...flags.stratum.map((address) => ({ ...address, flag: '--stratum' })),
    ...(tls === undefined ? [] : secure.map((address) => ({ ...address, flag: '--stratum-tls', tls }))),
  ];
  try {
    for (const { flag, ...listen } of listens) {
      await listenOrExplain(() => server.open(listen), flag, listen.port, listen.host, flag);
    }
  } catch (error) {
    await server.close();
    throw error;
  }
  for (const [index, address] of server.addresses().entries()) {
    const overTls = listens[index]?.tls !== undefined;
    const where = `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    log.info(
      `Stratum: rigs mine here with xmrig -o ${where}${overTls ? ' --tls' : ''} -u NAME (NAME+DIFFICULTY fixes ` +
        'the difficulty)',
      { event: 'stratumListening', address: where, tls: overTls },
    );
  }
  return {
    server,
    close: async () => {
      await server.close();
      await rigs.close();
    },
  };
}
