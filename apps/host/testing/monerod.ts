// A real monerod in regtest for tests and benchmarks: its own temporary data directory, free loopback ports, offline,
// with a fixed difficulty. Only node: modules, so plain TypeScript (vitest, Playwright, scripts) can import it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../signal/testing/ports.js';

export const MONEROD_PATH = '/usr/bin/monerod';
/** Starts tried when a chosen port was taken before monerod bound it. */
const PORT_ATTEMPTS = 3;

/** Regtest takes mainnet addresses; this one is the Monero project's well-known donation address. */
export const REGTEST_WALLET =
  '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';
/** REGTEST_WALLET's keys as a subaddress (tag 42) and as an integrated address (tag 19, payment ID 0102…08). */
export const REGTEST_SUBADDRESS =
  '84zPbCjb38gBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGMwZRBo';
export const REGTEST_INTEGRATED_ADDRESS =
  '4DrvGduF3ynBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVPkQhNkvcj1x1ziWUt9';

export interface MonerodOptions {
  /** Every block needs a hash H with H × difficulty < 2^256; 1 makes every hash a block. Default 1. */
  fixedDifficulty?: number | bigint;
  /** The RPC port; default a free one. A test that restarts a daemon passes the old one's port. */
  rpcPort?: number;
  /** How long to wait for the RPC server to answer. Default 30 s. */
  startTimeoutMs?: number;
  /** Publish new blocks over ZMQ (--zmq-pub) on a free loopback port, which `zmqPubPort` then names. */
  zmqPub?: boolean;
}

/** The most output kept for error messages. */
const OUTPUT_TAIL_CHARS = 4000;

export class Monerod {
  private output = '';
  private exited: Promise<void>;
  private running = true;

  private constructor(
    private readonly child: ChildProcess,
    readonly rpcUrl: URL,
    readonly dataDir: string,
    /** The --zmq-pub port, when started with `zmqPub`. */
    readonly zmqPubPort: number | undefined,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        this.running = false;
        resolve();
      }),
    );
  }

  static async start(options: MonerodOptions = {}): Promise<Monerod> {
    if (!existsSync(MONEROD_PATH)) {
      throw new Error(
        `monerod was not found at ${MONEROD_PATH}; run \`apt-get install monero\` or npm test's bootstrap.`,
      );
    }
    // A port free when chosen may be taken before monerod binds it (other tests open connections meanwhile): such a
    // start is tried again on new ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await Monerod.startOnce(options);
      } catch (error) {
        const taken = error instanceof Error && error.message.includes('Address already in use');
        if (!taken || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  }

  private static async startOnce(options: MonerodOptions): Promise<Monerod> {
    const [p2pPort, zmqRpcPort, zmqPubPort, rpcPort] = await freePorts(options.rpcPort === undefined ? 4 : 3);
    const dataDir = await mkdtemp(join(tmpdir(), 'rxmesh-monerod-'));
    const pubPort = options.zmqPub ? zmqPubPort : undefined;
    const zmq =
      pubPort === undefined
        ? ['--no-zmq']
        : ['--zmq-rpc-bind-ip=127.0.0.1', `--zmq-rpc-bind-port=${zmqRpcPort}`, `--zmq-pub=tcp://127.0.0.1:${pubPort}`];
    const rpc = options.rpcPort ?? (rpcPort as number);
    const args = [
      '--regtest',
      '--offline',
      `--fixed-difficulty=${options.fixedDifficulty ?? 1}`,
      `--data-dir=${dataDir}`,
      '--rpc-bind-ip=127.0.0.1',
      `--rpc-bind-port=${rpc}`,
      '--p2p-bind-ip=127.0.0.1',
      `--p2p-bind-port=${p2pPort}`,
      ...zmq,
      '--no-igd',
      // A test's deliberate bad requests must not get the test's own address banned.
      '--disable-rpc-ban',
      '--non-interactive',
      '--log-level=0',
    ];
    const child = spawn(MONEROD_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const daemon = new Monerod(child, new URL(`http://127.0.0.1:${rpc}`), dataDir, pubPort);
    try {
      await daemon.waitUntilAnswering(options.startTimeoutMs ?? 30_000);
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    return daemon;
  }

  /** Calls a JSON-RPC method and returns its result; monerod's error becomes a thrown Error with its words. */
  async call(method: string, params?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(new URL('/json_rpc', this.rpcUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: '0', method, ...(params === undefined ? {} : { params }) }),
      signal: AbortSignal.timeout(30_000),
    });
    const reply = (await response.json()) as { result?: Record<string, unknown>; error?: { message: string } };
    if (reply.error) throw new Error(`monerod refused ${method}: ${reply.error.message}`);
    if (!reply.result) throw new Error(`monerod answered ${method} with neither a result nor an error.`);
    return reply.result;
  }

  /** The number of blocks in the chain, which is the height of the next block. */
  async height(): Promise<number> {
    return Number((await this.call('get_info')).height);
  }

  /** The id (hex) of the main chain's block at `height`. */
  async blockIdAt(height: number): Promise<string> {
    const result = await this.call('get_block_header_by_height', { height });
    return (result.block_header as { hash: string }).hash;
  }

  /** Mines `count` blocks paying `wallet` (quick only at a low fixed difficulty); returns their ids. */
  async generateBlocks(count: number, wallet = REGTEST_WALLET): Promise<string[]> {
    const result = await this.call('generateblocks', { amount_of_blocks: count, wallet_address: wallet });
    return result.blocks as string[];
  }

  /** Asks monerod to shut down, kills it after 10 s, and removes its data directory. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(killer);
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`monerod exited while starting. Its last output:\n${this.output}`);
      try {
        await this.call('get_info');
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(
      `monerod did not answer RPC at ${this.rpcUrl} within ${timeoutMs} ms. Its last output:\n${this.output}`,
    );
  }
}

/** Starts a regtest monerod and resolves once its RPC answers. */
export function startMonerod(options: MonerodOptions = {}): Promise<Monerod> {
  return Monerod.start(options);
}
