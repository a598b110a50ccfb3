// /metrics for the embedded gateway of `rxmesh serve`: what its peerjs guard and links counted, and what the cluster
// protocol refused, read from the gateway at each scrape. Labels are the counters' fixed names, never a peer.
import type { MeshNode } from '@rxmesh/mesh';
import { METRIC_PREFIX } from '@rxmesh/signal';
import { Counter, type Registry } from 'prom-client';

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
