// Test support: Debian's coturn (`turnserver`) in a network namespace, on one address, port 3478 over UDP and TCP,
// taking the time-limited credentials of the TURN REST scheme (`use-auth-secret`), as `rxmesh serve --turn-secret`
// mints them. Its state (configuration, database, pid file) lives in a directory of its own, removed at stop.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from './namespaces.js';

export const TURN_PORT = 3478;

export interface Coturn {
  /** The URL to give `--ice-server`: `turn:ADDRESS:3478`. */
  url: string;
  realm: string;
  /** What turnserver printed so far (its log goes to stdout), for failure messages. */
  output(): string;
  /** Stops turnserver and waits for it to exit; removes its directory. */
  stop(): Promise<void>;
}

export interface CoturnOptions {
  /** Where it runs, on the host's address. */
  host: Host;
  /** coturn's `static-auth-secret`, the one `rxmesh serve --turn-secret` is given. */
  secret: string;
  realm?: string;
  /** Peer addresses coturn refuses to relay to. */
  deniedPeers?: string[];
  timeoutMs?: number;
}

/** `A.B.C.D/N` as coturn's range `first-last`, which every version reads. */
function cidrRange(cidr: string): string {
  const [address = '', bits = '32'] = cidr.split('/');
  const value = address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  const size = 2 ** (32 - Number(bits));
  const first = value - (value % size);
  const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
  return `${dotted(first)}-${dotted(first + size - 1)}`;
}

function configuration(options: CoturnOptions, realm: string, dir: string): string {
  const { address } = options.host;
  return [
    `listening-ip=${address}`,
    `relay-ip=${address}`,
    `external-ip=${address}`,
    `listening-port=${TURN_PORT}`,
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    `realm=${realm}`,
    'no-tls',
    'no-dtls',
    'no-cli',
    'fingerprint',
    'log-file=stdout',
    'simple-log',
    `pidfile=${join(dir, 'turnserver.pid')}`,
    `userdb=${join(dir, 'turndb')}`,
    ...(options.deniedPeers ?? []).map((cidr) => `denied-peer-ip=${cidrRange(cidr)}`),
    '',
  ].join('\n');
}

/** Whether `host` has sockets on its address and port 3478 for both UDP and TCP. */
function listening(host: Host): boolean {
  const local = `${host.address}:${TURN_PORT}`;
  const sockets = (flag: string) =>
    execFileSync('ip', ['netns', 'exec', host.namespace, 'ss', '-Hln', flag], { encoding: 'utf8' });
  return sockets('-u').includes(local) && sockets('-t').includes(local);
}

/** Starts turnserver and waits until it listens on UDP and TCP; throws with its output if it does not. */
export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const realm = options.realm ?? 'rxmesh.test';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'rxmesh-coturn-'));
  const config = join(dir, 'turnserver.conf');
  writeFileSync(config, configuration(options, realm, dir));
  // `-c`: without it turnserver reads /etc/turnserver.conf as well.
  const [program = 'ip', ...args] = [...options.host.launcher, 'turnserver', '-c', config];
  const child: ChildProcess = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `turnserver did not start (${spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`}). ` +
          `Install coturn (apt-get install coturn) and check its output:\n${output}`,
      );
    }
    if (listening(options.host)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `turnserver did not listen on ${options.host.address}:${TURN_PORT} within ${timeoutMs} ms:\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url: `turn:${options.host.address}:${TURN_PORT}`, realm, output: () => output, stop };
}
