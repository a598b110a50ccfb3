// Test support: a rig that speaks to a Stratum server as xmrig does, from xmrig's documented messages: `login` with
// its agent, rig id and algorithm list, `submit` with the session id, job id, nonce and result, and `keepalived`. It
// records every line the server sends and hands them out in order. Over TCP, or TLS trusting a given certificate.
import net from 'node:net';
import tls from 'node:tls';

export interface ServerLine {
  id?: number | string | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown> | null;
  error?: { code: number; message: string } | null;
}

export class ScriptedRig {
  private readonly inbox: ServerLine[] = [];
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

  static connect(port: number, options: { ca?: string } = {}): Promise<ScriptedRig> {
    return new Promise((resolve, reject) => {
      const socket =
        options.ca === undefined
          ? net.connect(port, '127.0.0.1')
          : tls.connect({ port, host: '127.0.0.1', ca: options.ca, servername: 'localhost' });
      socket.once(options.ca === undefined ? 'connect' : 'secureConnect', () => resolve(new ScriptedRig(socket)));
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

  close(): void {
    this.socket.destroy();
  }
}
