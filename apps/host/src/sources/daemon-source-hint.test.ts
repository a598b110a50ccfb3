// How DaemonSource maps monerod's next_seed_hash onto Job.nextSeedHash, against a fake monerod that answers
// get_block_template with a template built here (daemon-source.test.ts covers the rest against a real monerod, where
// the hint would take 2049 blocks to appear).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bytesToHex, type Job } from '@rxmesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REGTEST_WALLET } from '../../testing/monerod.js';
import { DaemonSource } from './daemon-source.js';

const SEED = 'aa'.repeat(32);
const NEXT_SEED = 'bb'.repeat(32);

/** Monero's varint: 7 bits a byte, low bits first, the top bit set on every byte but the last. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  return [...bytes, rest];
}

/** A template laid out as monerod lays one out: header, a coinbase with an 8-byte reserve in its extra, no txs. */
function templateReply(height: number, nextSeedHash: string | undefined) {
  const header = [...varint(16), ...varint(16), ...varint(1_795_574_392), ...Array(32).fill(0x11), 0, 0, 0, 0];
  const extra = [0x01, ...Array(32).fill(0x22), 0x02, 0x08, ...Array(8).fill(0)];
  const prefix = [
    ...varint(2), // version
    ...varint(height + 60), // unlock time
    1, // one input, the coinbase
    0xff,
    ...varint(height),
    1, // one output, a tagged key
    ...varint(600_000_000_000),
    0x03,
    ...Array(32).fill(0x33),
    0x7b,
    ...varint(extra.length),
    ...extra,
  ];
  const blob = Uint8Array.from([...header, ...prefix, 0x00, ...varint(0)]);
  return {
    status: 'OK',
    blocktemplate_blob: bytesToHex(blob),
    blockhashing_blob: '',
    difficulty: 1,
    height,
    prev_hash: '11'.repeat(32),
    reserved_offset: header.length + prefix.length - 8,
    seed_hash: SEED,
    ...(nextSeedHash === undefined ? {} : { next_seed_hash: nextSeedHash }),
  };
}

const silent = { info() {}, warn() {}, error() {} };
let running: { source: DaemonSource; server: Server } | undefined;

afterEach(async () => {
  await running?.source.stop();
  running?.server.close();
  running = undefined;
});

/** A DaemonSource on a fake monerod whose templates carry `nextSeedHash`; `jobs` hears every job it makes. */
async function fakeDaemon(height: number, nextSeedHash: string | undefined, jobs: (job: Job) => void) {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const { id, method } = JSON.parse(body) as { id: string; method: string };
      const result = method === 'get_block_template' ? templateReply(height, nextSeedHash) : undefined;
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(
          result === undefined
            ? { id, jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' } }
            : { id, jsonrpc: '2.0', result },
        ),
      );
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  const source = new DaemonSource({ url: new URL(`http://127.0.0.1:${port}`), wallet: REGTEST_WALLET, log: silent });
  running = { source, server };
  source.start(jobs);
  return source;
}

/** The first job a DaemonSource makes from a fake monerod whose templates carry `nextSeedHash`. */
function firstJob(height: number, nextSeedHash: string | undefined): Promise<Job> {
  return new Promise<Job>((resolve) => {
    fakeDaemon(height, nextSeedHash, resolve);
  });
}

describe('DaemonSource asked for fresh work', () => {
  it('makes the same template again with the next extra nonce when the cluster used up the job', async () => {
    const jobs: Job[] = [];
    const source = await fakeDaemon(100, '', (job) => jobs.push(job));
    await vi.waitFor(() => expect(jobs).toHaveLength(1));
    source.refresh();
    await vi.waitFor(() => expect(jobs).toHaveLength(2));
    const [first, second] = jobs;
    expect(second?.height).toBe(first?.height);
    expect(second?.id).not.toBe(first?.id);
    expect(second && bytesToHex(second.blob)).not.toBe(first && bytesToHex(first.blob));
  });
});

describe('DaemonSource and the next seed', () => {
  it('gives the job the next key while monerod names one, 64 blocks before the switch', async () => {
    const job = await firstJob(2049, NEXT_SEED);
    expect(bytesToHex(job.seedHash)).toBe(SEED);
    expect(job.nextSeedHash && bytesToHex(job.nextSeedHash)).toBe(NEXT_SEED);
  });

  it('leaves it out while monerod sends an empty next_seed_hash, as 0.18 does with no switch pending', async () => {
    const job = await firstJob(100, '');
    expect(bytesToHex(job.seedHash)).toBe(SEED);
    expect('nextSeedHash' in job).toBe(false);
  });

  it('leaves it out when the reply has no next_seed_hash at all', async () => {
    const job = await firstJob(100, undefined);
    expect('nextSeedHash' in job).toBe(false);
  });
});
