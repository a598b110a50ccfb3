// /metrics for the embedded gateway of `rxmesh serve`: what its peerjs guard and links counted, and what the cluster
// protocol refused, read from the gateway at each scrape. Labels are the counters' fixed names, never a peer.
import type { MeshNode } from '@rxmesh/mesh';
import { METRIC_PREFIX } from '@rxmesh/signal';
import { Counter, Gauge, type Registry } from 'prom-client';

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
