// Test support: a piece of internet with two homes behind NAT routers, in network namespaces made with iproute2 and
// nftables and removed whole. The internet is 203.0.113.0/24 (TEST-NET-3: not private, so peers count its
// addresses as public), a bridge in a namespace of its own; a public host on it runs the server and the TURN server.
// Each home is a router that masquerades a private LAN behind one internet address, and a host on that LAN:
//
//   public   203.0.113.10 ─┐
//   router A 203.0.113.21 ─┼─ internet (bridge)      router A: port-preserving masquerade ("cone")
//   router B 203.0.113.22 ─┘                          router B: a random port per connection (symmetric)
//   home A   192.168.11.2 ── router A 192.168.11.1
//   home B   192.168.12.2 ── router B 192.168.12.1
//
// Both routers drop what comes in from the internet unless it answers a connection from inside, as home routers do.
import { execFileSync } from 'node:child_process';
import { addNamespace, type Host, ip, namespaceHost, removeNamespaces, runInside } from './namespaces.js';

/** How a router maps its LAN's connections to ports of its internet address. */
export type NatKind = 'cone' | 'symmetric';

export interface Home {
  /** The host on the LAN, where a peer runs. */
  host: Host;
  /** The router's namespace, its internet address and its LAN address (the home host's gateway). */
  router: Host & { lanAddress: string };
  nat: NatKind;
}

/** The first address of the internet segment's hosts; routers take .21 and .22. */
export const PUBLIC_ADDRESS = '203.0.113.10';

/**
 * The router's rules: masquerade the LAN behind the internet address, and let in only answers. A cone router keeps
 * a connection's source port where it can, so one socket keeps one public port whatever it talks to; a symmetric one
 * picks a random port for every new connection, so a peer's server-reflexive address is useless to anyone else.
 */
function routerRules(nat: NatKind): string {
  const masquerade = nat === 'cone' ? 'masquerade' : 'masquerade random,fully-random';
  return `
table ip home {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" ${masquerade}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
  }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname { "lo", "lan" } accept
  }
}
`;
}

export class NatLayout {
  private constructor(
    /** The namespace that holds the internet's bridge; nothing runs there. */
    readonly internet: string,
    readonly publicHost: Host,
    readonly homeA: Home,
    readonly homeB: Home,
  ) {}

  /** Builds the layout; on failure removes what it made and throws. */
  static create(): NatLayout {
    const tag = process.pid.toString(36);
    const home = (letter: 'a' | 'b', nat: NatKind): Home => {
      const lan = letter === 'a' ? '192.168.11' : '192.168.12';
      return {
        host: namespaceHost(`home${letter}`, `${lan}.2`),
        router: { ...namespaceHost(`router${letter}`, `203.0.113.2${letter === 'a' ? 1 : 2}`), lanAddress: `${lan}.1` },
        nat,
      };
    };
    const layout = new NatLayout(
      `rxmesh-inet-${tag}`,
      namespaceHost('public', PUBLIC_ADDRESS),
      home('a', 'cone'),
      home('b', 'symmetric'),
    );
    try {
      layout.build();
    } catch (error) {
      layout.remove();
      throw error;
    }
    return layout;
  }

  /** A veth pair from `a` (named `aEnd`) to `b` (named `bEnd`), both ends up; each end is made in its namespace. */
  private link(a: string, aEnd: string, b: string, bEnd: string): void {
    ip('-n', a, 'link', 'add', aEnd, 'type', 'veth', 'peer', 'name', bEnd, 'netns', b);
    ip('-n', a, 'link', 'set', aEnd, 'up');
    ip('-n', b, 'link', 'set', bEnd, 'up');
  }

  /** `end` in `namespace` joins the internet's bridge. */
  private plugIn(namespace: string, end: string, address: string, port: string): void {
    this.link(namespace, end, this.internet, port);
    ip('-n', this.internet, 'link', 'set', port, 'master', 'br0');
    ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', end);
  }

  private build(): void {
    try {
      execFileSync('nft', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('The NAT routers need nft: install nftables (apt-get install nftables) and run the tests again.');
    }
    addNamespace(this.internet);
    ip('-n', this.internet, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.internet, 'link', 'set', 'br0', 'up');

    addNamespace(this.publicHost.namespace);
    this.plugIn(this.publicHost.namespace, 'wan', this.publicHost.address, 'public');

    for (const [index, { host, router, nat }] of [this.homeA, this.homeB].entries()) {
      addNamespace(router.namespace);
      addNamespace(host.namespace);
      this.plugIn(router.namespace, 'wan', router.address, `router${index}`);
      this.link(router.namespace, 'lan', host.namespace, 'eth0');
      ip('-n', router.namespace, 'addr', 'add', `${router.lanAddress}/24`, 'dev', 'lan');
      ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
      ip('-n', host.namespace, 'route', 'add', 'default', 'via', router.lanAddress);
      runInside(router.namespace, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
      runInside(router.namespace, 'nft', ['-f', '-'], routerRules(nat));
    }
  }

  /** Removes every namespace of the layout; what still runs in them loses its network. Never throws. */
  remove(): void {
    const namespaces = [
      this.internet,
      this.publicHost.namespace,
      ...[this.homeA, this.homeB].flatMap(({ host, router }) => [router.namespace, host.namespace]),
    ];
    removeNamespaces(namespaces);
  }
}
