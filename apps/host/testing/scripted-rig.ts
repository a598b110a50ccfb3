// Test support: a rig that speaks to a Stratum server as xmrig does, from xmrig's documented messages: `login` with
// its agent, rig id and algorithm list, `submit` with the session id, job id, nonce and result, and `keepalived`. It
// records every line the server sends and hands them out in order. Over TCP, or TLS trusting a given certificate.
import net from 'node:net';
import tls from 'node:tls';
import {
  bytesToHex,
  encodeNonce,
  hexToBytes,
  meetsShareTarget,
  parseStratumTarget,
  type RigJobParams,
  readNonce,
  withNonce,
} from '@rxmesh/core';

export interface ServerLine {
  id?: number | string | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown> | null;
  error?: { code: number; message: string } | null;
}

export class ScriptedRig {
  private inbox: ServerLine[] = [];
  private partial = '';
  private wake: (() => void) | undefined;
  private nextId = 1;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.inbox.push(JSON.parse(line) as ServerLine);
      this.wake?.();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        resolve();
        this.wake?.();
      }),
    );
  }

  /**
   * Over TLS when given a certificate authority to trust, or `anyCertificate` (as xmrig does without
   * --tls-fingerprint).
   */
  static connect(port: number, options: { ca?: string; anyCertificate?: boolean } = {}): Promise<ScriptedRig> {
    return new Promise((resolve, reject) => {
      const secure = options.ca !== undefined || options.anyCertificate === true;
      const socket = secure
        ? tls.connect({
            port,
            host: '127.0.0.1',
            servername: 'localhost',
            ...(options.ca === undefined ? { rejectUnauthorized: false } : { ca: options.ca }),
          })
        : net.connect(port, '127.0.0.1');
      socket.once(secure ? 'secureConnect' : 'connect', () => resolve(new ScriptedRig(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request as xmrig frames it; answers its id. */
  request(method: string, params: Record<string, unknown>): number {
    const id = this.nextId++;
    this.send(`${JSON.stringify({ id, jsonrpc: '2.0', method, params })}\n`);
    return id;
  }

  login(login: string, extra: Record<string, unknown> = {}): number {
    return this.request('login', {
      login,
      pass: 'x',
      agent: 'XMRig/6.22.2 (Linux x86_64) libuv/1.48.0 gcc/13.2.0',
      rigid: '',
      algo: ['rx/0', 'rx/wow', 'cn/r'],
      ...extra,
    });
  }

  submit(sessionId: string, jobId: string, nonceHex: string, resultHex: string): number {
    return this.request('submit', { id: sessionId, job_id: jobId, nonce: nonceHex, result: resultHex, algo: 'rx/0' });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next line from the server, waiting at most `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<ServerLine> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.destroyed) throw new Error(`no line from the server within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.inbox.shift() as ServerLine;
  }

  /** The answer to request `id`, skipping (and keeping aside) job notifications. */
  async answer(id: number, timeoutMs = 5_000): Promise<ServerLine> {
    const skipped: ServerLine[] = [];
    try {
      for (;;) {
        const line = await this.next(timeoutMs);
        if (line.id === id) return line;
        skipped.push(line);
      }
    } finally {
      this.inbox.unshift(...skipped);
    }
  }

  /** The jobs the server pushed since the last look, oldest first. */
  pushedJobs(): RigJobParams[] {
    const jobs = this.inbox.filter((line) => line.method === 'job');
    this.inbox = this.inbox.filter((line) => line.method !== 'job');
    return jobs.map((line) => line.params as unknown as RigJobParams);
  }

  /** The newest job the server pushed since the last look, or `current` when none came. */
  newestJob(current: RigJobParams): RigJobParams {
    return this.pushedJobs().at(-1) ?? current;
  }

  /** Waits up to `timeoutMs` for a job newer than `current`, and answers the newest; `current` if none came. */
  async waitForJob(current: RigJobParams, timeoutMs = 5_000): Promise<RigJobParams> {
    const deadline = Date.now() + timeoutMs;
    let newest = this.newestJob(current);
    while (newest === current && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      newest = this.newestJob(current);
    }
    return newest;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A share the rig found: what `submit` carries. */
export interface FoundShare {
  nonceHex: string;
  resultHex: string;
  nonce: number;
}

/**
 * Hashes `job` as xmrig does with the nicehash extension: the nonce's top byte stays as the blob has it, the low 24
 * bits count up from `from`. Returns the first `wanted` shares that meet the job's target, trying at most `tries`
 * nonces; `hash` is a RandomX hasher under the job's seed. Yields to the event loop every few hashes.
 */
export async function findShares(
  job: RigJobParams,
  hash: (input: Uint8Array) => Uint8Array,
  wanted: number,
  { from = 0, tries = 100_000 } = {},
): Promise<FoundShare[]> {
  const blob = hexToBytes(job.blob);
  const topByte = readNonce(blob) & 0xff00_0000;
  const target = parseStratumTarget(job.target);
  const found: FoundShare[] = [];
  for (let counter = from; counter < from + tries && found.length < wanted; counter++) {
    const nonce = (topByte | counter) >>> 0;
    const result = hash(withNonce(blob, nonce));
    if (meetsShareTarget(result, target)) {
      found.push({ nonce, nonceHex: encodeNonce(nonce), resultHex: bytesToHex(result) });
    }
    if (counter % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return found;
}
