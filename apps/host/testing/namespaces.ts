// Test support: the network namespaces the LAN and NAT layouts are made of, with iproute2: each host a namespace
// with its loopback up and IPv6 off, a program run inside one, and their removal, which takes the namespace's links
// and its processes' sockets with it.
import { type ExecFileSyncOptions, execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const EXEC: ExecFileSyncOptions = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] };

export function ip(...args: string[]): string {
  return execFileSync('ip', args, EXEC) as string;
}

/** Runs `program` in `namespace` to the end, with `input` on its stdin; answers its stdout, throws when it fails. */
export function runInside(namespace: string, program: string, args: string[], input?: string): string {
  return execFileSync('ip', ['netns', 'exec', namespace, program, ...args], {
    ...EXEC,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    input,
  }) as string;
}

/** Why this machine cannot make network namespaces here, or undefined when it can. */
export function namespacesUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'making network namespaces needs root';
  const probe = `rxmesh-probe-${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (error) {
    return `\`ip netns add\` is not permitted here: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`;
  }
}

export interface Host {
  /** The namespace's name, for `ip netns exec`. */
  namespace: string;
  address: string;
  /** The command prefix that runs a program on this host. */
  launcher: string[];
}

/** The host `role` of this test process, at `address`; its namespace is made by addNamespace. */
export function namespaceHost(role: string, address: string): Host {
  const namespace = `rxmesh-${role}-${process.pid.toString(36)}`;
  return { namespace, address, launcher: ['ip', 'netns', 'exec', namespace] };
}

/** A new namespace with its loopback up (a server reaches itself there) and IPv6 off. */
export function addNamespace(namespace: string): void {
  ip('netns', 'add', namespace);
  // IPv4 only: an IPv6 link-local address finishes its duplicate detection a moment after the link is up, which
  // Chromium takes for a network change (ERR_NETWORK_CHANGED); and peers meet only over the addresses a layout routes.
  runInside(namespace, 'sh', ['-c', 'for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done']);
  ip('-n', namespace, 'link', 'set', 'lo', 'up');
}

/** Removes the namespaces; what still runs in them loses its network. Never throws. */
export function removeNamespaces(namespaces: readonly string[]): void {
  for (const namespace of namespaces) {
    try {
      ip('netns', 'del', namespace);
    } catch {
      // Not made, or already gone.
    }
  }
}

/**
 * An executable for Playwright's `executablePath` that runs `program` on `host`: Playwright starts the browser
 * itself, with its pipes, so the namespace goes in front of it here.
 */
export function wrapInNamespace(host: Host, program: string, dir: string): string {
  const path = join(dir, `${host.namespace}-${program.split('/').at(-1)}`);
  writeFileSync(path, `#!/bin/sh\nexec ${host.launcher.join(' ')} ${program} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}
