// Parsers for CLI option values; each throws a commander error that names the flag and the accepted form.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { KEY_ID_PATTERN, MAX_OPERATOR_LENGTH } from '@rxmesh/core';
import { ROOM_PATTERN } from '@rxmesh/signal';
import { InvalidArgumentError } from 'commander';

export function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('Expected a whole number of 1 or more.');
  }
  return parsed;
}

export function parsePort(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > 65535) throw new InvalidArgumentError('Expected a port from 0 to 65535.');
  return parsed;
}

export function parseHttpUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('Expected a URL such as http://192.168.1.10:8080.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('Expected an http:// or https:// URL.');
  }
  return url;
}

const KEY_ID = new RegExp(KEY_ID_PATTERN);

export function parseClusterKey(value: string): string {
  if (!KEY_ID.test(value))
    throw new InvalidArgumentError('Expected 52 characters of a-z and 2-7, as /api/cluster shows.');
  return value;
}

export type JobSourceSpec =
  | { kind: 'demo' }
  | { kind: 'daemon'; url: URL }
  | { kind: 'stratum'; url: URL; tls: boolean };

const SOURCE_HELP =
  'Expected demo, daemon+http://HOST:PORT, stratum+tcp://HOST:PORT (or HOST:PORT, as xmrig -o takes it) or ' +
  'stratum+ssl://HOST:PORT.';

export function parseJobSource(value: string): JobSourceSpec {
  if (value === 'demo') return { kind: 'demo' };
  // A pool as xmrig's -o takes it, without a scheme.
  if (!value.includes('://') && /:\d+$/.test(value)) return parseJobSource(`stratum+tcp://${value}`);
  const match = /^(daemon\+http|stratum\+tcp|stratum\+ssl):\/\/([^/\s]+)\/?$/.exec(value);
  if (!match) throw new InvalidArgumentError(SOURCE_HELP);
  const [, scheme, authority] = match;
  let url: URL;
  try {
    url = new URL(`${scheme === 'daemon+http' ? 'http' : 'tcp'}://${authority}`);
  } catch {
    throw new InvalidArgumentError(SOURCE_HELP);
  }
  if (!url.port) throw new InvalidArgumentError(`${value} has no port. ${SOURCE_HELP}`);
  if (scheme === 'daemon+http') return { kind: 'daemon', url };
  return { kind: 'stratum', url, tls: scheme === 'stratum+ssl' };
}

/** A URL's host as sockets take it: URL keeps an IPv6 address in brackets. */
export function socketHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** All cores but one, so the machine stays responsive; at least one. */
export function defaultThreadCount(): number {
  return Math.max(1, availableParallelism() - 1);
}

const ROOM = new RegExp(ROOM_PATTERN);

/** A cluster's room on its signaling server. */
export function parseRoom(value: string): string {
  if (!ROOM.test(value)) throw new InvalidArgumentError('Expected 1 to 32 letters, digits, "-" or "_".');
  return value;
}

/** Who runs a cluster, as the page shows it: one line of printable characters. */
export function parseOperator(value: string): string {
  const name = value.trim();
  if (name.length === 0 || name.length > MAX_OPERATOR_LENGTH || /\p{Cc}/u.test(name)) {
    throw new InvalidArgumentError(`Expected a name of 1 to ${MAX_OPERATOR_LENGTH} characters on one line.`);
  }
  return name;
}

export interface HostPort {
  host: string;
  port: number;
}

/** HOST:PORT, with an IPv6 address in brackets; the host an address of this machine or 0.0.0.0. */
export function parseHostPort(value: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || isIP(host) === 0 || port > 65535) {
    throw new InvalidArgumentError('Expected ADDRESS:PORT, such as 0.0.0.0:3333 or [::]:3333.');
  }
  return { host, port };
}
