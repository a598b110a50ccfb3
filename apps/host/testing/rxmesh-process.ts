// Test support: `rxmesh serve` and `rxmesh host` as child processes that log JSON lines, read as they come.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterStatsAnswer } from '@rxmesh/core';
import { until } from './hostile.js';
import { RXMESH_BIN } from './rxmesh-cli.js';

export interface LogLine {
  msg: string;
  time: string;
  event?: string;
  accepted?: boolean;
  self?: boolean;
  term?: number;
  /** This process's peer id, on the line that says it joined. */
  peer?: string;
  /** Where a server listens, on the line that says so, and whether over TLS. */
  address?: string;
  tls?: boolean;
  /** On a `mining` line: the job and its height, and the nonces of the lease. */
  jobId?: string;
  height?: number;
  leaseStart?: number;
  leaseCount?: number;
}

export interface RxmeshProcess {
  child: ChildProcess;
  /** Its log, a parsed line each, as it comes. */
  lines: LogLine[];
  /** What it printed on stdout, in chunks. */
  stdout: string[];
}

/** Starts `rxmesh ARGS --log-json`; `children` collects it, for the file's afterAll to kill. */
export function startRxmesh(args: string[], children: ChildProcess[]): RxmeshProcess {
  const child = spawn(process.execPath, [RXMESH_BIN, ...args, '--log-json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: LogLine[] = [];
  const stdout: string[] = [];
  let pending = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part) as LogLine);
  });
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  return { child, lines, stdout };
}

/** The shares a process was told were accepted (its own), logged after `after` (ms since the epoch). */
export const acceptedShares = (lines: LogLine[], after = 0) =>
  lines.filter((line) => line.event === 'share' && line.accepted && Date.parse(line.time) > after).length;

/** The peer id a process joined as. */
export const peerIdOf = (lines: LogLine[]) => lines.find((line) => line.peer !== undefined)?.peer;

/** Runs `wait`; if it fails, the error also carries each process's last log lines, so that a failure says why. */
export async function explained<T>(wait: Promise<T>, processes: Record<string, { lines: LogLine[] }>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const logs = Object.entries(processes).map(
      ([name, { lines }]) =>
        `${name}:\n${lines
          .slice(-12)
          .map((line) => `  ${JSON.stringify(line)}`)
          .join('\n')}`,
    );
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
  }
}

/** The arguments of a light host on one native thread, with its own data directory: the tests' usual miner. */
export function lightHostArgs(signalUrl: string, name: string, dataDir: string, ...extra: string[]): string[] {
  return [
    'host',
    '--signal',
    signalUrl,
    '--threads',
    '1',
    '--mode',
    'light',
    '--name',
    name,
    '--data-dir',
    dataDir,
    ...extra,
  ];
}

/** The first URL `rxmesh serve` says it serves, once it has said it. */
export function servingUrl(server: RxmeshProcess): string | undefined {
  return /serving (http:\S+)/.exec(server.stdout.join(''))?.[1];
}

/** The contributor id a host keeps in its data directory. */
export function contributorIn(dataDir: string): string {
  return (JSON.parse(readFileSync(join(dataDir, 'contributor.json'), 'utf8')) as { contributor: string }).contributor;
}

/** `/api/stats` of a server; a server that does not answer within 5 s fails the wait that asked. */
export async function clusterStatsAt(url: string): Promise<ClusterStatsAnswer> {
  const answer = await fetch(`${url}/api/stats`, { signal: AbortSignal.timeout(5_000) });
  return (await answer.json()) as ClusterStatsAnswer;
}

/** Sends `signal` and waits for the process to exit: 20 s at most, past which the error shows its last lines. */
export async function stopRxmesh(name: string, rxmesh: RxmeshProcess, signal: NodeJS.Signals = 'SIGTERM') {
  const { child } = rxmesh;
  child.kill(signal);
  await explained(
    until(`${name} to exit on ${signal}`, 20_000, () => child.exitCode ?? child.signalCode ?? undefined, 100),
    { [name]: rxmesh },
  );
}

/**
 * Prints each step of a long test with the seconds since the clock was made, so that a slow run's log shows which
 * step took the time.
 */
export function stepClock(): (what: string) => void {
  const began = Date.now();
  return (what) => process.stdout.write(`${((Date.now() - began) / 1000).toFixed(1)} s: ${what}\n`);
}
