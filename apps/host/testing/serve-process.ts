// Test support: the real `rxmesh serve` (bin/rxmesh.js over the compiled dist/) as a child process, started in a
// network namespace or wherever `launcher` says, with the URLs and certificate fingerprint it prints at start.
import { type ChildProcess, spawn } from 'node:child_process';
import { RXMESH_BIN } from './rxmesh-cli.js';

/** One `rxmesh: serving URL — words` line. */
export interface ServingLine {
  url: string;
  /** What a tab opened there gets, as the line says it: `all threads (https)`, `one thread (http)`, … */
  words: string;
}

export interface ServeProcess {
  child: ChildProcess;
  serving: ServingLine[];
  /** The certificate's SHA-256 fingerprint as the start-up line prints it; undefined without TLS. */
  fingerprint: string | undefined;
  stdout(): string;
  stderr(): string;
  /** The first URL of this scheme on this address. */
  url(scheme: 'https' | 'http', address?: string): string;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `rxmesh serve ARGS` (after `launcher`, such as `ip netns exec NAME`) and waits until it says where it serves. */
export async function startServe(
  args: string[],
  options: { launcher?: string[]; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const command = [...(options.launcher ?? []), process.execPath, RXMESH_BIN, 'serve', ...args];
  const [program = process.execPath, ...rest] = command;
  const child = spawn(program, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const tls = args.includes('--tls-self-signed') || args.includes('--tls-cert');
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`rxmesh serve did not say where it serves within ${options.timeoutMs ?? 20_000} ms:\n${stderr}`),
      );
    }, options.timeoutMs ?? 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = tls ? /fingerprint is /.test(stdout) : /serving /.test(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`rxmesh serve exited with ${code} before it served:\n${stdout}${stderr}`));
    });
  });
  const serving = [...stdout.matchAll(/^rxmesh: serving (\S+) — (.+)$/gm)].map(([, url = '', words = '']) => ({
    url,
    words,
  }));
  return {
    child,
    serving,
    fingerprint: /fingerprint is ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(stdout)?.[1],
    stdout: () => stdout,
    stderr: () => stderr,
    url(scheme, address) {
      const found = serving.find(
        ({ url }) => url.startsWith(`${scheme}:`) && (address === undefined || new URL(url).hostname === address),
      );
      if (found === undefined)
        throw new Error(`rxmesh serve printed no ${scheme} URL${address ? ` on ${address}` : ''}`);
      return found.url;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}
