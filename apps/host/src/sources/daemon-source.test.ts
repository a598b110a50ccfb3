// DaemonSource against a real monerod in regtest (Debian's monero 0.18): the daemon is the oracle for the codec's
// hashing blob and block id, for accepted and refused blocks, and for new tips.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  bytesToHex,
  hashingBlob,
  hexToBytes,
  type Job,
  meetsDifficulty,
  parseBlockTemplate,
  withExtraNonce,
  withNonce,
} from '@rxmesh/core';
import { createLightHasher } from '@rxmesh/native';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../signal/testing/ports.js';
import {
  type Monerod,
  REGTEST_INTEGRATED_ADDRESS,
  REGTEST_SUBADDRESS,
  REGTEST_WALLET,
  startMonerod,
} from '../../testing/monerod.js';
import { recordingLog } from '../../testing/recording-log.js';
import { DaemonSource, type DaemonSourceOptions } from './daemon-source.js';

const finder = { id: 'peer-1', name: 'tester' };
const anyHash = new Uint8Array(32);

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sources: DaemonSource[] = [];
const extraDaemons: Monerod[] = [];

/** A started source and every job it announced. */
function startSource(options: Partial<DaemonSourceOptions> & { url: URL }) {
  const log = recordingLog();
  const jobs: Job[] = [];
  const source = new DaemonSource({ wallet: REGTEST_WALLET, log, ...options });
  sources.push(source);
  source.start((job) => jobs.push(job));
  return { source, log, jobs };
}

let daemon: Monerod;

beforeAll(async () => {
  daemon = await startMonerod({ fixedDifficulty: 1 });
}, 40_000);

afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
});

afterAll(async () => {
  await Promise.all([daemon?.stop(), ...extraDaemons.map((extra) => extra.stop())]);
}, 30_000);

describe('the block template codec against monerod', () => {
  it('builds the hashing blob monerod sends, from its template with a zero extra nonce', async () => {
    const reply = await daemon.call('get_block_template', { wallet_address: REGTEST_WALLET, reserve_size: 8 });
    const template = parseBlockTemplate(hexToBytes(reply.blocktemplate_blob as string));
    const zeroed = withExtraNonce(template, reply.reserved_offset as number, new Uint8Array(8));
    expect(bytesToHex(hashingBlob(zeroed))).toBe(reply.blockhashing_blob);
    expect(bytesToHex(template.prevId)).toBe(reply.prev_hash);
  });

  it('is refused for the subaddress that --wallet refuses up front; an integrated address is taken as its primary', async () => {
    await expect(
      daemon.call('get_block_template', { wallet_address: REGTEST_SUBADDRESS, reserve_size: 8 }),
    ).rejects.toThrow('Mining to subaddress is not supported yet');
    // monerod builds this one, paying the primary address inside it: the payment ID cannot ride in a coinbase.
    const reply = await daemon.call('get_block_template', {
      wallet_address: REGTEST_INTEGRATED_ADDRESS,
      reserve_size: 8,
    });
    expect(reply.blocktemplate_blob).toMatch(/^[0-9a-f]+$/);
  });
});

describe('DaemonSource', () => {
  it('turns a template into a job with its own extra nonce, and monerod accepts the block with the id it computed', async () => {
    const { source, jobs } = startSource({ url: daemon.rpcUrl });
    const job = await until(() => jobs[0], 'the first job');
    const heightBefore = await daemon.height();
    expect(job.height).toBe(heightBefore);
    expect(job.id).toMatch(/^daemon-\d+-[0-9a-f]{16}$/);
    expect(job.id).not.toMatch(/-0{16}$/);
    expect(job.difficulty).toBe(1n);
    const template = await daemon.call('get_block_template', { wallet_address: REGTEST_WALLET, reserve_size: 8 });
    expect(bytesToHex(job.seedHash)).toBe(template.seed_hash);
    // The extra nonce changes the miner transaction, so the tree hash differs from the daemon's zero-nonce blob.
    expect(bytesToHex(job.blob.subarray(0, 39))).toBe((template.blockhashing_blob as string).slice(0, 78));
    expect(bytesToHex(job.blob.subarray(43))).not.toBe((template.blockhashing_blob as string).slice(86));

    const nonce = 0x1234_5678;
    const verdict = await source.submit(job, nonce, anyHash, finder);
    if (!verdict.accepted) throw new Error(`monerod refused the block: ${verdict.reason}`);
    const block = verdict.block;
    expect(block).not.toBeNull();
    const header = (await daemon.call('get_block_header_by_height', { height: job.height })).block_header as Record<
      string,
      unknown
    >;
    expect(bytesToHex(block?.id ?? new Uint8Array())).toBe(header.hash);
    expect(header.nonce).toBe(nonce);
    expect(block).toMatchObject({ height: job.height, nonce, finderId: 'peer-1', finderName: 'tester' });
    expect(block?.timestamp).toBe(header.timestamp);
    expect(bytesToHex(block?.prevId ?? new Uint8Array())).toBe(header.prev_hash);
    expect(await daemon.height()).toBe(heightBefore + 1);
    expect(source.status()).toMatchObject({ kind: 'daemon', connected: true, accepted: 1, rejected: 0 });

    // The next block's template comes at once, not at the next poll.
    const next = await until(() => jobs.find((later) => later.height === job.height + 1), 'the next job', 1000);
    expect(next.id).not.toBe(job.id);
  });

  it('announces a new tip as a new job within a second', async () => {
    const { jobs } = startSource({ url: daemon.rpcUrl });
    await until(() => jobs[0], 'the first job');
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      const height = await daemon.height();
      const startedAt = performance.now();
      await daemon.generateBlocks(1);
      await until(() => jobs.find((job) => job.height === height + 1), 'a job on the new tip', 2000);
      latencies.push(performance.now() - startedAt);
    }
    console.info(`new tip → new job: ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it('with monerod publishing over ZMQ, hears a new tip at once, with the polling all but off', async () => {
    const publishing = await startMonerod({ fixedDifficulty: 1, zmqPub: true });
    extraDaemons.push(publishing);
    const zmqPort = publishing.zmqPubPort;
    if (zmqPort === undefined) throw new Error('monerod was started without --zmq-pub');
    const { jobs, log } = startSource({
      url: publishing.rpcUrl,
      zmqPort,
      pollMs: 60_000,
      templateRefreshMs: 60_000,
    });
    await until(() => jobs[0], 'the first job');
    await until(() => log.lines.some((line) => /over ZMQ at tcp:\/\/127\.0\.0\.1:/.test(line.message)), 'the feed');
    const latencies: number[] = [];
    for (let round = 0; round < 3; round++) {
      const height = await publishing.height();
      await publishing.generateBlocks(1);
      const answeredAt = performance.now();
      await until(() => jobs.find((job) => job.height === height + 1), 'a job on the new tip', 2000);
      latencies.push(performance.now() - answeredAt);
    }
    console.info(
      `new tip over ZMQ → new job, after generateblocks answered: ${latencies.map((ms) => ms.toFixed(0))} ms`,
    );
    expect(Math.max(...latencies)).toBeLessThan(1000);
  }, 60_000);

  it('mines on with polling, and says so, when the ZMQ port has no publisher', async () => {
    const { jobs, log } = startSource({ url: daemon.rpcUrl, zmqPort: await freePort() });
    await until(() => jobs[0], 'the first job');
    const warning = await until(
      () => log.lines.find((line) => line.level === 'warn' && /ZMQ feed/.test(line.message)),
      'the warning',
    );
    expect(warning.message).toMatch(/nothing listens there\. New blocks are still found by polling; trying ZMQ again/);
    const height = await daemon.height();
    await daemon.generateBlocks(1);
    await until(() => jobs.find((job) => job.height === height + 1), 'a job on the new tip from polling', 2000);
  });

  it('refuses a job it did not make, without asking monerod', async () => {
    const { source, jobs } = startSource({ url: daemon.rpcUrl });
    const job = await until(() => jobs[0], 'the first job');
    const verdict = await source.submit({ ...job, id: 'daemon-1-ffffffffffffffff' }, 0, anyHash, finder);
    expect(verdict).toEqual({ accepted: false, reason: expect.stringContaining('did not come from this monerod') });
    const altered = await source.submit({ ...job, blob: withNonce(job.blob, 7) }, 0, anyHash, finder);
    expect(altered.accepted).toBe(false);
    expect(source.status()).toMatchObject({ accepted: 0, rejected: 0 });
  });

  it('counts a block on an old tip as refused: monerod answers OK but keeps it on a side chain', async () => {
    const { source, jobs } = startSource({ url: daemon.rpcUrl });
    const stale = await until(() => jobs[0], 'the first job');
    await daemon.generateBlocks(2);
    const verdict = await source.submit(stale, 5, anyHash, finder);
    expect(verdict).toEqual({ accepted: false, reason: expect.stringContaining('on a side chain only') });
    expect(source.status()).toMatchObject({ accepted: 0, rejected: 1 });
    const header = await daemon.call('get_block_header_by_height', { height: stale.height });
    expect((header.block_header as { nonce: number }).nonce).not.toBe(5);
  });

  it('counts a block whose hash misses the difficulty as refused, with monerod’s reason', async () => {
    const hard = await startMonerod({ fixedDifficulty: 1n << 40n });
    extraDaemons.push(hard);
    const { source, jobs, log } = startSource({ url: hard.rpcUrl });
    const job = await until(() => jobs[0], 'the first job');
    expect(job.difficulty).toBe(1n << 40n);
    const hasher = createLightHasher(job.seedHash);
    const nonce = 42;
    const hash = hasher.hash(withNonce(job.blob, nonce));
    hasher.release();
    expect(meetsDifficulty(hash, job.difficulty)).toBe(false);

    const heightBefore = await hard.height();
    const verdict = await source.submit(job, nonce, hash, finder);
    expect(verdict.accepted).toBe(false);
    if (!verdict.accepted) expect(verdict.reason).toMatch(/refused submit_block: .+ \(code -?\d+\)/);
    expect(source.status()).toMatchObject({ accepted: 0, rejected: 1 });
    expect(log.lines.some((line) => line.level === 'warn' && line.message.includes('refused block'))).toBe(true);
    expect(await hard.height()).toBe(heightBefore);
  }, 40_000);

  it('retries an unreachable daemon with growing waits, keeps its job meanwhile, and recovers', async () => {
    let restartable = await startMonerod();
    extraDaemons.push(restartable);
    const port = Number(restartable.rpcUrl.port);
    const { source, jobs, log } = startSource({
      url: restartable.rpcUrl,
      pollMs: 50,
      backoff: { initialMs: 100, maxMs: 400 },
      // No jitter, so that the waits are the plain doubling.
      random: () => 0,
    });
    const first = await until(() => jobs[0], 'the first job');
    await restartable.stop();

    const retries = await until(() => {
      const waits = log.lines.flatMap((line) => /did not answer .* Retrying in (\d+) ms\./.exec(line.message) ?? []);
      return waits.length >= 8 && waits.filter((_, i) => i % 2 === 1).map(Number);
    }, 'four retries');
    expect(retries).toEqual([100, 200, 400, 400]);
    expect(source.status()).toMatchObject({ connected: false, lastError: expect.stringContaining('did not answer') });
    expect(source.latestJob).toBe(first);
    expect(jobs).toEqual([first]);

    restartable = await startMonerod({ rpcPort: port });
    extraDaemons.push(restartable);
    await until(() => source.status().connected, 'the source to reconnect');
    expect(log.lines.some((line) => line.message.includes('answers again'))).toBe(true);
    expect(source.status().lastError).toBeNull();
    await restartable.generateBlocks(1);
    await until(() => jobs.find((job) => job.height === first.height + 1), 'a job from the restarted daemon');
  }, 60_000);

  it('logs malformed replies and carries on until the daemon answers properly', async () => {
    const garbage: ((response: import('node:http').ServerResponse) => void)[] = [
      (response) => response.end('this is not json'),
      (response) => response.end(JSON.stringify({ jsonrpc: '2.0', id: '0' })),
      (response) => response.end(JSON.stringify({ result: { status: 'OK', blocktemplate_blob: 'zz' } })),
      (response) => {
        response.statusCode = 500;
        response.end();
      },
    ];
    let answered = 0;
    const proxy: Server = createServer(async (request, response) => {
      const body = await new Promise<string>((resolve) => {
        let text = '';
        request.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        request.on('end', () => resolve(text));
      });
      const bad = garbage[answered++];
      if (bad) return bad(response);
      const forwarded = await fetch(new URL('/json_rpc', daemon.rpcUrl), { method: 'POST', body });
      response.end(await forwarded.text());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const { jobs, log, source } = startSource({
        url: new URL(`http://127.0.0.1:${port}`),
        backoff: { initialMs: 20, maxMs: 40 },
      });
      const job = await until(() => jobs[0], 'a job once the replies are proper');
      expect(job.height).toBe(await daemon.height());
      const warnings = log.lines.filter((line) => line.level === 'warn').map((line) => line.message);
      expect(warnings).toEqual([
        expect.stringMatching(/answered get_block_template with something that is not JSON\. Retrying/),
        expect.stringMatching(/malformed reply to get_block_template: it has neither a result nor an error\. Retrying/),
        expect.stringMatching(/malformed reply to get_block_template: result.* Retrying/),
        expect.stringMatching(/answered get_block_template with HTTP 500\. Retrying/),
      ]);
      expect(source.status()).toMatchObject({ connected: true, lastError: null });
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('waits while monerod says it is not synchronized, keeping the last job', async () => {
    let syncing = false;
    const proxy: Server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const forwarded = await fetch(new URL('/json_rpc', daemon.rpcUrl), {
        method: 'POST',
        body: Buffer.concat(chunks),
      });
      const reply = (await forwarded.json()) as { result?: Record<string, unknown> };
      // A regtest daemon is always synchronized; this is how a syncing mainnet daemon's get_info reads.
      if (syncing && reply.result && 'top_block_hash' in reply.result) {
        Object.assign(reply.result, { synchronized: false, busy_syncing: true, target_height: 3_000_000 });
      }
      response.end(JSON.stringify(reply));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const { jobs, log, source } = startSource({
        url: new URL(`http://127.0.0.1:${port}`),
        pollMs: 20,
        backoff: { initialMs: 20, maxMs: 40 },
      });
      const first = await until(() => jobs[0], 'the first job');
      syncing = true;
      await until(() => log.lines.some((line) => line.message.includes('not synchronized yet')), 'the sync warning');
      await daemon.generateBlocks(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(jobs).toEqual([first]);
      expect(source.latestJob).toBe(first);
      syncing = false;
      await until(() => jobs.find((job) => job.height === first.height + 1), 'a job once synchronized');
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('announces nothing after stop', async () => {
    const port = await freePort();
    const { source, jobs } = startSource({
      url: new URL(`http://127.0.0.1:${port}`),
      backoff: { initialMs: 10, maxMs: 10 },
    });
    await source.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(jobs).toEqual([]);
  });
});
