// /metrics for the embedded gateway of `rxmesh serve`: what its peerjs guard and links counted, what the cluster
// protocol refused, and what its Stratum server did, read at each scrape. Labels are the counters' fixed names, never a peer.
import type { MeshNode } from '@rxmesh/mesh';
import { METRIC_PREFIX } from '@rxmesh/signal';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StratumServer } from './rigs/stratum-server.js';

/** A counter whose values, by label, come from `read` at each scrape. */
function countersFrom(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: () => object | undefined,
): void {
  new Counter({
    name: `${METRIC_PREFIX}${name}`,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, count] of Object.entries(read() ?? {}) as [string, number][]) {
        if (count > 0) this.inc({ [label]: value }, count);
      }
    },
  });
}

export function registerGatewayMetrics(registry: Registry, gateway: () => MeshNode | undefined): void {
  new Gauge({
    name: `${METRIC_PREFIX}cluster_links`,
    help:
      "Links the cluster's members opened, by path: direct (their own addresses), stun (an address a router mapped), " +
      'turn (relayed by a TURN server), failed (never opened); summed over what each member last reported.',
    labelNames: ['path'],
    registers: [registry],
    collect() {
      this.reset();
      const links = gateway()?.snapshot().totals.links;
      if (links === undefined) return;
      for (const [path, count] of Object.entries(links)) this.set({ path }, count);
    },
  });
  countersFrom(
    registry,
    'mesh_link_events_total',
    "What the gateway's guard of peerjs and its links counted: frames and offers refused, links closed, sends failed.",
    'event',
    () => gateway()?.linkCounters(),
  );
  countersFrom(
    registry,
    'cluster_refused_total',
    'Cluster messages and peers the gateway refused, by reason (forged, replayed, out of turn, over a bound).',
    'reason',
    () => gateway()?.refusals(),
  );
}

/** /metrics for the gateway's Stratum server: its connections and rigs, what it refused, and its answers to shares. */
export function registerStratumMetrics(registry: Registry, stratum: () => StratumServer | undefined): void {
  new Gauge({
    name: `${METRIC_PREFIX}stratum_connections`,
    help: 'Connections open on the Stratum server, logged in or not.',
    registers: [registry],
    collect() {
      this.set(stratum()?.connectionCount ?? 0);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}stratum_rigs`,
    help: 'xmrig rigs logged in to the Stratum server: each one a member of the cluster.',
    registers: [registry],
    collect() {
      this.set(stratum()?.rigCount ?? 0);
    },
  });
  countersFrom(
    registry,
    'stratum_refused_connections_total',
    'Connections the Stratum server refused at once, by why: banned, full (the cap in all), address (the cap per address).',
    'reason',
    () => stratum()?.refusedConnections,
  );
  countersFrom(
    registry,
    'stratum_share_answers_total',
    "The Stratum server's answers to rigs' shares: accepted, or the error word the rig was sent.",
    'answer',
    () => stratum()?.shareAnswers,
  );
}
