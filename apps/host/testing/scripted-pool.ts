// A Monero Stratum pool for tests, scripted from the protocol's documented transcripts (xmrig's doc/STRATUM.md and
// its extensions): it answers login, submit and keepalived, records every line it receives, and lets a test push
// jobs, choose answers, send garbage and drop connections, over TCP or TLS on 127.0.0.1.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** A self-signed certificate for localhost and 127.0.0.1, valid until 2126, and its key. */
export const TEST_CERTIFICATE = {
  cert: readFileSync(new URL('pool-cert.pem', FIXTURES), 'utf8'),
  key: readFileSync(new URL('pool-key.pem', FIXTURES), 'utf8'),
};

/** A message the pool received, parsed, with the connection it came on (numbered from 1). */
export interface Received {
  connection: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever fields the client sent.
  message: any;
}

export type Answer = { result: unknown } | { error: { code: number; message: string } } | 'silent';

export interface ScriptedPoolOptions {
  tls?: boolean;
  /** The login answer; the default logs in with session `session-<n>`, `extensions` and `job`. */
  login?: (params: Record<string, unknown>, connection: number) => Answer;
}

export class ScriptedPool {
  readonly received: Received[] = [];
  /** When each connection arrived, in performance.now() milliseconds. */
  readonly connectedAt: number[] = [];
  /** The job the default login answer carries; tests change it freely. */
  job: Record<string, unknown> | undefined;
  extensions: string[] = [];
  submitAnswer: Answer = { result: { status: 'OK' } };
  keepaliveAnswer: Answer = { result: { status: 'KEEPALIVED' } };
  private readonly sockets = new Map<number, net.Socket>();
  private connections = 0;
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: net.Server,
    private readonly options: ScriptedPoolOptions,
  ) {}

  /** Starts listening on 127.0.0.1, on `port` or any free one. */
  static async start(options: ScriptedPoolOptions = {}, port = 0): Promise<ScriptedPool> {
    let pool: ScriptedPool | undefined;
    const onSocket = (socket: net.Socket) => pool?.adopt(socket);
    const server = options.tls ? tls.createServer({ ...TEST_CERTIFICATE }, onSocket) : net.createServer(onSocket);
    pool = new ScriptedPool(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return pool;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('The scripted pool is not listening.');
    return address.port;
  }

  /** Connections ever accepted. */
  get connectionCount(): number {
    return this.connections;
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** The received messages of one method, in order. */
  messages(method: string): Received[] {
    return this.received.filter((entry) => entry.message?.method === method);
  }

  /** Waits until `condition` holds, checking after every event, for at most `timeoutMs`. */
  async until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`The scripted pool waited ${timeoutMs} ms for ${what}.`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Waits for the `count`-th message of `method` and returns it. */
  async nextMessage(method: string, count = this.messages(method).length + 1, timeoutMs = 5000): Promise<Received> {
    await this.until(`message ${count} of ${method}`, () => this.messages(method).length >= count, timeoutMs);
    return this.messages(method)[count - 1] as Received;
  }

  /** Sends a `job` notification on every open connection. */
  pushJob(params: Record<string, unknown>): void {
    this.sendRaw(`${JSON.stringify({ jsonrpc: '2.0', method: 'job', params })}\n`);
  }

  /** Writes text as it is to every open connection: garbage, partial lines, anything. */
  sendRaw(text: string): void {
    for (const socket of this.sockets.values()) socket.write(text);
  }

  /** Closes every open connection, after writing `lastWords` (e.g. half a line) when given. */
  drop(lastWords?: string): void {
    for (const socket of this.sockets.values()) {
      if (lastWords === undefined) socket.destroy();
      else socket.end(lastWords);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets.values()) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private adopt(socket: net.Socket): void {
    const connection = ++this.connections;
    this.connectedAt.push(performance.now());
    this.sockets.set(connection, socket);
    socket.setEncoding('utf8');
    let partial = '';
    socket.on('data', (text: string) => {
      partial += text;
      for (let newline = partial.indexOf('\n'); newline !== -1; newline = partial.indexOf('\n')) {
        const line = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        this.receive(socket, connection, line);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(connection);
      this.notify();
    });
    this.notify();
  }

  private receive(socket: net.Socket, connection: number, line: string): void {
    let message: Received['message'];
    try {
      message = JSON.parse(line);
    } catch {
      message = { unparsed: line };
    }
    this.received.push({ connection, message });
    const answer = this.answerFor(message, connection);
    if (answer !== 'silent' && typeof message?.id === 'number') {
      socket.write(`${JSON.stringify({ id: message.id, jsonrpc: '2.0', error: null, ...answer })}\n`);
    }
    this.notify();
  }

  private answerFor(message: Received['message'], connection: number): Answer {
    switch (message?.method) {
      case 'login':
        if (this.options.login) return this.options.login(message.params, connection);
        return {
          result: {
            id: `session-${connection}`,
            ...(this.job === undefined ? {} : { job: this.job }),
            extensions: this.extensions,
            status: 'OK',
          },
        };
      case 'submit':
        return this.submitAnswer;
      case 'keepalived':
        return this.keepaliveAnswer;
      default:
        return { error: { code: -1, message: 'Unknown method' } };
    }
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
