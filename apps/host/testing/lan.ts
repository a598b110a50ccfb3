// Test support: a small LAN of two network namespaces joined by a veth pair, as a teacher's laptop and a student's
// computer on a school network, made with iproute2 and removed whole (the namespaces take their ends of the pair and
// their processes' sockets with them).
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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

export class Lan {
  private constructor(
    readonly teacher: Host,
    readonly student: Host,
  ) {}

  /** Two hosts on 10.77.0.0/24 (teacher .1, student .2), each with its loopback up. */
  static create(): Lan {
    const tag = process.pid.toString(36);
    const host = (role: string, address: string): Host => {
      const namespace = `rxmesh-${role}-${tag}`;
      return { namespace, address, launcher: ['ip', 'netns', 'exec', namespace] };
    };
    const lan = new Lan(host('teacher', '10.77.0.1'), host('student', '10.77.0.2'));
    const ends = [`rxt${tag}`, `rxs${tag}`] as const;
    try {
      for (const { namespace } of [lan.teacher, lan.student]) {
        ip('netns', 'add', namespace);
        // IPv4 only: an IPv6 link-local address finishes its duplicate detection a moment after the link is up, and
        // Chromium takes that for a network change and aborts the page load in flight (ERR_NETWORK_CHANGED).
        ip('netns', 'exec', namespace, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6');
      }
      ip('link', 'add', ends[0], 'type', 'veth', 'peer', 'name', ends[1]);
      for (const [index, { namespace, address }] of [lan.teacher, lan.student].entries()) {
        const end = ends[index] ?? '';
        ip('link', 'set', end, 'netns', namespace);
        ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', end);
        ip('-n', namespace, 'link', 'set', end, 'up');
        // The embedded gateway reaches its own server on the loopback, which a new namespace has down.
        ip('-n', namespace, 'link', 'set', 'lo', 'up');
      }
    } catch (error) {
      lan.remove();
      throw error;
    }
    return lan;
  }

  /**
   * An executable for Playwright's `executablePath` that runs `program` on `host`: Playwright starts the browser
   * itself, with its pipes, so the namespace goes in front of it here.
   */
  wrap(host: Host, program: string, dir: string): string {
    const path = join(dir, `${host.namespace}-${program.split('/').at(-1)}`);
    writeFileSync(path, `#!/bin/sh\nexec ${host.launcher.join(' ')} ${program} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** Removes both namespaces; what still runs in them loses its network. */
  remove(): void {
    for (const { namespace } of [this.teacher, this.student]) {
      try {
        ip('netns', 'del', namespace);
      } catch {
        // Not made, or already gone.
      }
    }
  }
}
