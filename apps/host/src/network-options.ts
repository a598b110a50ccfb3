// The flags `rxmesh serve` and `rxmesh host` share for the network their peer lives on: STUN and TURN servers, the
// address a server behind 1:1 NAT offers, and how many cluster links it holds.
import { isIP } from 'node:net';
import { DEFAULT_COORDINATOR_SETTINGS, type IceServer, maxLinksFor, parseIceServer } from '@rxmesh/core';
import { checkIceOptions, DEFAULT_TURN_TTL_SECONDS, type IceOptions } from '@rxmesh/signal';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from './errors.js';
import { parsePositiveInteger } from './options.js';

export interface NetworkFlags {
  iceServer: IceServer[];
  turnSecret?: string;
  turnTtl: number;
  publicAddress?: string;
  maxLinks?: number;
}

/** The most member links a coordinator holds: its links less the ones kept free for joiners. */
const MAX_MEMBER_LINKS = DEFAULT_COORDINATOR_SETTINGS.coordinatorLinks - DEFAULT_COORDINATOR_SETTINGS.joinSlots;

function collectIceServer(value: string, previous: IceServer[]): IceServer[] {
  try {
    return [...previous, parseIceServer(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseAddress(value: string): string {
  if (isIP(value) === 0) throw new InvalidArgumentError('Expected an IPv4 or IPv6 address, such as 203.0.113.7.');
  return value;
}

function parseMemberLinks(value: string): number {
  const links = parsePositiveInteger(value);
  if (links > MAX_MEMBER_LINKS) throw new InvalidArgumentError(`Expected at most ${MAX_MEMBER_LINKS}.`);
  return links;
}

export function addNetworkOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--ice-server <url>',
        'a STUN or TURN server for links between peers, repeatable: stun:HOST[:PORT], or turn: or turns: with ' +
          'credentials as turn:USER:PASSWORD@HOST[:PORT][?transport=udp|tcp] (without them, --turn-secret makes them)',
      )
        .argParser(collectIceServer)
        .default([], 'none: peers reach each other only on the same network, or where one has a public address'),
    )
    .option(
      '--turn-secret <secret>',
      'the static-auth-secret of a coturn with use-auth-secret: each peer gets TURN credentials of its own that ' +
        'expire, and never the secret',
    )
    .addOption(
      new Option('--turn-ttl <seconds>', 'how long the TURN credentials --turn-secret makes last')
        .argParser(parsePositiveInteger)
        .default(DEFAULT_TURN_TTL_SECONDS),
    )
    .addOption(
      new Option(
        '--public-address <ip>',
        'behind a 1:1 NAT (a cloud server): the public address to offer peers besides the ones this machine has',
      ).argParser(parseAddress),
    )
    .addOption(
      new Option(
        '--max-links <n>',
        `the most cluster members this peer links to, its parent and the children it relays for (1-${MAX_MEMBER_LINKS}); ` +
          'peers asking the way get a few links more',
      ).argParser(parseMemberLinks),
    );
}

/** The ICE servers these flags give, checked: a TURN server without credentials needs --turn-secret. */
export function iceOptionsOf(flags: NetworkFlags): IceOptions {
  const options: IceOptions = {
    servers: flags.iceServer,
    turnTtlSeconds: flags.turnTtl,
    ...(flags.turnSecret === undefined ? {} : { turnSecret: flags.turnSecret }),
  };
  try {
    checkIceOptions(options);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  return options;
}

/** The `maxLinks` this peer announces: 64 unless --max-links caps its member links. */
export function announcedMaxLinks(flags: NetworkFlags, gateway: boolean): number {
  return flags.maxLinks === undefined ? 64 : maxLinksFor(flags.maxLinks, gateway, DEFAULT_COORDINATOR_SETTINGS);
}
