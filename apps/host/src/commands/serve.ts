// `rxmesh serve`: the web app and signaling server, with an embedded gateway peer.
import { availableParallelism, networkInterfaces, totalmem } from 'node:os';
import type { MeshNode } from '@rxmesh/mesh';
import { buildServer, type ClusterStats, DEFAULT_ROOM } from '@rxmesh/signal';
import { Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { registerGatewayMetrics } from '../gateway-metrics.js';
import { addJobSourceOptions, type JobSourceFlags, openJobSource, planJobSource } from '../job-sources.js';
import { defaultDataDir, loadClusterKey, serverGatewayKeys } from '../keys.js';
import { createLog } from '../log.js';
import { joinCluster } from '../mesh/join-cluster.js';
import { openShareHasher } from '../mesh/share-hasher.js';
import { parsePort } from '../options.js';

interface ServeOptions extends JobSourceFlags {
  port: number;
  bind: string;
  dataDir: string;
  trustProxy: boolean;
  gateway: boolean;
  logJson: boolean;
}

/**
 * /api/stats from the embedded gateway's view: its own state, every member included, while it coordinates; else the
 * last heartbeat's totals and no members.
 */
function clusterStats(gateway: MeshNode): ClusterStats {
  const snapshot = gateway.snapshot();
  const { job } = snapshot;
  const members = gateway.members();
  return {
    view: members === null ? 'member' : 'coordinator',
    ...snapshot.totals,
    job: job === null ? null : { source: job.source, height: job.height, difficulty: job.difficulty },
    coordinator: snapshot.coordinator?.id ?? null,
    members: (members ?? []).map((member) => ({ ...member, creditedWork: member.creditedWork.toString() })),
    blocks: snapshot.blocks,
    source: snapshot.source,
  };
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description(
      'Serve the web app and signaling server, with an embedded gateway peer on the demo chain, a Monero node or a pool.',
    )
    .addOption(
      new Option('--port <port>', 'HTTP port for the web app, signaling and /api').default(8080).argParser(parsePort),
    )
    .addOption(
      new Option('--bind <address>', 'address to listen on; 0.0.0.0 lets a class on the LAN join').default('0.0.0.0'),
    )
    .addOption(
      new Option('--data-dir <dir>', 'where the cluster key is kept (made at the first start)').default(
        defaultDataDir(),
      ),
    )
    .option(
      '--trust-proxy',
      "behind a reverse proxy: count each client by the address in X-Forwarded-For, not the proxy's",
      false,
    );
  return addJobSourceOptions(command)
    .option('--no-gateway', 'run no gateway peer here: only signaling and the web app')
    .option('--log-json', 'log one JSON object per line instead of text', false)
    .action(async (options: ServeOptions) => {
      const plan = planJobSource(options);
      if (!options.gateway && plan.kind !== 'demo') {
        throw new CliError(
          '--no-gateway runs no gateway here, so it takes no --source: give the source to `rxmesh host`.',
        );
      }
      const log = createLog({ json: options.logJson });
      const { cluster, created } = await loadClusterKey(options.dataDir);
      log.info(`${created ? 'made a new' : 'the'} cluster key in ${options.dataDir}: ${cluster.id}`, {
        clusterKey: cluster.id,
      });
      let gateway: MeshNode | undefined;
      const app = await buildServer({
        cluster: { key: cluster.id },
        trustProxy: options.trustProxy,
        // Until the gateway has joined (and with --no-gateway), signaling answers with its own peer count.
        clusterStats: () => (gateway === undefined ? undefined : clusterStats(gateway)),
      });
      registerGatewayMetrics(app.metrics, () => gateway);
      await app.listen({ port: options.port, host: options.bind });
      // Handled from here on, so a stop while the gateway is still joining also shuts down cleanly.
      let closing = false;
      const close = async () => {
        closing = true;
        log.info('shutting down');
        await gateway?.stop();
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', close);
      process.once('SIGTERM', close);
      const { port } = app.server.address() as { port: number };
      for (const url of reachableUrls(options.bind, port)) process.stdout.write(`rxmesh: serving ${url}\n`);
      if (options.gateway) {
        const loopback = options.bind === '0.0.0.0' || options.bind === '::' ? '127.0.0.1' : options.bind;
        const joining = joinCluster({
          signalUrl: new URL(`http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`),
          room: DEFAULT_ROOM,
          keys: serverGatewayKeys(cluster),
          info: {
            name: 'gateway',
            engine: 'native',
            mode: 'light',
            cores: availableParallelism(),
            memoryMb: Math.round(totalmem() / 2 ** 20),
            // The server's machine verifies and coordinates; it hashes only if someone runs `rxmesh host` on it.
            mines: false,
            maxLinks: 64,
            jobSource: true,
          },
          ...(plan.kind === 'demo'
            ? { source: 'demo' as const }
            : { source: 'external' as const, jobSource: openJobSource(plan, log) }),
          hasher: await openShareHasher(undefined, (message) => log.warn(message)),
          log,
          statusSeconds: 30,
        });
        // A stop during the join closes the server under it: that failure is the stop, not an error.
        const joined = await joining.catch((error: unknown) => {
          if (closing) return undefined;
          throw error;
        });
        if (closing) await joined?.stop();
        else gateway = joined;
      }
    });
}

function reachableUrls(bind: string, port: number): string[] {
  if (bind !== '0.0.0.0' && bind !== '::') return [`http://${bind.includes(':') ? `[${bind}]` : bind}:${port}`];
  const lanAddresses = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && address.family === 'IPv4' && !address.internal)
    .map((address) => `http://${address?.address}:${port}`);
  return [`http://localhost:${port}`, ...lanAddresses];
}
