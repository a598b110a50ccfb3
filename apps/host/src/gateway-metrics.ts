// /metrics for the embedded gateway of `rxmesh serve`: what its peerjs guard and links counted, what the cluster
// protocol refused, and what its Stratum server did, read at each scrape. Labels are the counters' fixed names, never a peer.
import type { MeshNode } from '@rxmesh/mesh';
import { countersReadAtScrape, METRIC_PREFIX } from '@rxmesh/signal';
import { Gauge, type Registry } from 'prom-client';
import type { StratumServer } from './rigs/stratum-server.js';

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
  countersReadAtScrape(registry, {
    name: 'mesh_link_events_total',
    help: "What the gateway's guard of peerjs and its links counted: frames and offers refused, links closed, sends failed.",
    label: 'event',
    read: () => gateway()?.linkCounters(),
  });
  countersReadAtScrape(registry, {
    name: 'cluster_refused_total',
    help: 'Cluster messages and peers the gateway refused, by reason (forged, replayed, out of turn, over a bound).',
    label: 'reason',
    read: () => gateway()?.refusals(),
  });
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
  countersReadAtScrape(registry, {
    name: 'stratum_refused_connections_total',
    help: 'Connections the Stratum server refused at once, by why: banned, full (the cap in all), address (the cap per address).',
    label: 'reason',
    read: () => stratum()?.refusedConnections,
  });
  countersReadAtScrape(registry, {
    name: 'stratum_share_answers_total',
    help: "The Stratum server's answers to rigs' shares: accepted, or the error word the rig was sent.",
    label: 'answer',
    read: () => stratum()?.shareAnswers,
  });
}
