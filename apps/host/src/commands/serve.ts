// `rxmesh serve`: the web app and signaling server, with an embedded gateway peer; over http, or over https with a
// plain-http server beside it.
import { X509Certificate } from 'node:crypto';
import { availableParallelism, hostname, networkInterfaces, totalmem } from 'node:os';
import { join } from 'node:path';
import { describeStoredLedger, type JoinUrl } from '@rxmesh/core';
import { LocalSwitch, type MeshNode } from '@rxmesh/mesh';
import {
  buildServer,
  type ClusterStats,
  DEFAULT_ROOM,
  isWildcard,
  joinUrls,
  type Listener,
  listeningAddresses,
  listenMetrics,
  listenPlainHttp,
  RedisBus,
  RedisUnreachableError,
  redactedRedisUrl,
  type TlsCredentials,
  urlHost,
} from '@rxmesh/signal';
import { Command, Option } from 'commander';
import { addConfigOption } from '../config-file.js';
import { CliError } from '../errors.js';
import { registerGatewayMetrics, registerStratumMetrics } from '../gateway-metrics.js';
import { addJobSourceOptions, type JobSourceFlags, openJobSource, planJobSource } from '../job-sources.js';
import { defaultDataDir, loadClusterKey, loadTeacherToken, serverGatewayKeys } from '../keys.js';
import { RedisLedger } from '../ledger/redis-ledger.js';
import { LEDGER_FILE, SqliteLedger } from '../ledger/sqlite-ledger.js';
import { listenOrExplain } from '../listen.js';
import { addLogOptions, createLog, type LogLevel } from '../log.js';
import { joinCluster } from '../mesh/join-cluster.js';
import { openShareHasher } from '../mesh/share-hasher.js';
import { addNetworkOptions, announcedMaxLinks, iceOptionsOf, type NetworkFlags } from '../network-options.js';
import { type HostPort, parseHostPort, parseOperator, parsePort, parseRoom } from '../options.js';
import {
  addStratumOptions,
  checkStratumFlags,
  openStratum,
  type RigService,
  type StratumFlags,
} from '../rigs/stratum-options.js';
import { exitOnSignal } from '../shutdown.js';
import { loadSelfSigned, machineNames, readTlsFiles } from '../tls.js';

interface ServeOptions extends JobSourceFlags, NetworkFlags, StratumFlags {
  port?: number;
  httpPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsSelfSigned: boolean;
  operator?: string;
  bind: string;
  dataDir: string;
  trustProxy: boolean;
  gateway: boolean;
  logJson: boolean;
  logLevel: LogLevel;
  redis?: string;
  metricsBind?: HostPort;
  statsToken?: string;
  room: string;
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
    links: snapshot.totals.links ?? null,
    job: job === null ? null : { source: job.source, height: job.height, difficulty: job.difficulty },
    coordinator: snapshot.coordinator?.id ?? null,
    members: (members ?? []).map((member) => ({ ...member, creditedWork: member.creditedWork.toString() })),
    blocks: snapshot.blocks,
    source: snapshot.source,
  };
}

export function serveCommand(): Command {
  const command = addLogOptions(addConfigOption(new Command('serve')))
    .description(
      'Serve the web app and signaling server, with an embedded gateway peer on the demo chain, a Monero node or a pool.',
    )
    .addOption(
      new Option(
        '--port <port>',
        'port of the web app, signaling and /api: http, or https with TLS (default: 8080, or 8443 with TLS)',
      ).argParser(parsePort),
    )
    .addOption(
      new Option(
        '--http-port <port>',
        'with TLS, the plain-http port beside https, for a projector and for whoever types http; its page ' +
          'says where the https page is (default: 8080)',
      ).argParser(parsePort),
    )
    .option('--tls-cert <file>', 'serve https with this certificate (PEM, its chain after it); goes with --tls-key')
    .option('--tls-key <file>', 'the private key (PEM, unencrypted) of the --tls-cert certificate')
    .option(
      '--tls-self-signed',
      "serve https with a certificate made for this machine's addresses, kept in --data-dir; prints its fingerprint " +
        'for students to compare with what their browser shows',
      false,
    )
    .addOption(
      new Option('--operator <name>', 'who runs the cluster, which the page shows before anyone starts').argParser(
        parseOperator,
      ),
    )
    .addOption(
      new Option('--bind <address>', 'address to listen on; 0.0.0.0 lets a class on the LAN join').default('0.0.0.0'),
    )
    .addOption(
      new Option(
        '--data-dir <dir>',
        'where the cluster key, the ledger and a self-signed certificate are kept',
      ).default(defaultDataDir()),
    )
    .option(
      '--redis <url>',
      'share signaling with every server of the cluster on this Redis (redis://[:PASSWORD@]HOST:PORT[/DB]), and keep ' +
        "the gateway's ledger there instead of an SQLite file of --data-dir, so that any server's gateway carries it on",
    )
    .option(
      '--trust-proxy',
      "behind a reverse proxy: count each client by the address in X-Forwarded-For, not the proxy's",
      false,
    )
    .addOption(
      new Option('--room <id>', 'the room the cluster runs in on this signaling server; pages and hosts are told it')
        .default(DEFAULT_ROOM)
        .argParser(parseRoom),
    )
    .addOption(
      new Option(
        '--metrics-bind <address:port>',
        "serve /metrics on this address alone (such as 127.0.0.1:9100) instead of the page's port",
      ).argParser(parseHostPort),
    )
    .option(
      '--stats-token <token>',
      'answer /metrics, and the job source\'s address in /api/stats, only to "Authorization: Bearer TOKEN"',
    );
  return addStratumOptions(addNetworkOptions(addJobSourceOptions(command)), { tls: true })
    .option('--no-gateway', 'run no gateway peer here: only signaling and the web app')
    .action(async (options: ServeOptions) => {
      const plan = planJobSource(options);
      if (!options.gateway && plan.kind !== 'demo') {
        throw new CliError(
          '--no-gateway runs no gateway here, so it takes no --source: give the source to `rxmesh host`.',
        );
      }
      const tlsSource = checkTlsFlags(options);
      checkStratumFlags(options, { gateway: options.gateway, tls: tlsSource !== undefined });
      const ice = iceOptionsOf(options);
      const log = createLog({ json: options.logJson, level: options.logLevel });
      const { cluster, created } = await loadClusterKey(options.dataDir);
      log.info(`${created ? 'made a new' : 'the'} cluster key in ${options.dataDir}: ${cluster.id}`, {
        clusterKey: cluster.id,
      });
      const tls = await openTls(tlsSource, options, log);
      const teacherToken = await loadTeacherToken(options.dataDir);
      // Read before anything listens: a ledger that cannot be read stops the start.
      const ledger = !options.gateway
        ? undefined
        : options.redis !== undefined
          ? await RedisLedger.open(options.redis, log)
          : SqliteLedger.open(join(options.dataDir, LEDGER_FILE));
      if (ledger !== undefined) {
        log.info(`the ledger in ${ledger.where}: ${describeStoredLedger(ledger.stored)}`, { ledger: ledger.where });
      }
      // The cluster key names the bus, so that clusters sharing one Redis stay apart.
      const bus =
        options.redis === undefined
          ? undefined
          : await RedisBus.open(options.redis, cluster.id, log).catch(async (error: unknown) => {
              await ledger?.close();
              throw error instanceof RedisUnreachableError ? new CliError(error.message) : error;
            });
      if (bus !== undefined && options.redis !== undefined) {
        log.info(
          `signaling is shared with the cluster's other servers through Redis at ${redactedRedisUrl(options.redis)}, ` +
            `as server ${bus.server}`,
          { signalingServer: bus.server },
        );
      }
      let gateway: MeshNode | undefined;
      let rigService: RigService | undefined;
      const app = await buildServer({
        logger: log.pino,
        cluster: { key: cluster.id },
        trustProxy: options.trustProxy,
        // Until the gateway has joined (and with --no-gateway), signaling answers with its own peer count.
        clusterStats: () => (gateway === undefined ? undefined : clusterStats(gateway)),
        ...(tls === undefined ? {} : { tls }),
        ...(options.operator === undefined ? {} : { operator: options.operator }),
        ice,
        ...(bus === undefined ? {} : { bus }),
        room: options.room,
        access: { token: options.statsToken, metrics: options.metricsBind === undefined ? 'here' : 'elsewhere' },
        teacher: {
          token: teacherToken,
          command: (command) => {
            if (gateway === undefined) return 'no gateway';
            return gateway.operator(command) ? 'done' : 'not coordinating';
          },
        },
      });
      registerGatewayMetrics(app.metrics, () => gateway);
      registerStratumMetrics(app.metrics, () => rigService?.server);
      const port = options.port ?? (tls === undefined ? 8080 : 8443);
      await listenOrExplain(() => app.listen({ port, host: options.bind }), '--port', port, options.bind);
      if (app.plainHttp !== null) {
        const httpPort = options.httpPort ?? 8080;
        await listenOrExplain(
          () => listenPlainHttp(app, { port: httpPort, host: options.bind }),
          '--http-port',
          httpPort,
          options.bind,
        ).catch(async (error: unknown) => {
          await app.close();
          throw error;
        });
      }
      const metricsBind = options.metricsBind;
      let metricsServer: { url: string; close(): Promise<void> } | undefined;
      if (metricsBind !== undefined) {
        await listenOrExplain(
          async () => {
            metricsServer = await listenMetrics(app.metrics, { ...metricsBind, token: options.statsToken });
          },
          '--metrics-bind',
          metricsBind.port,
          metricsBind.host,
          '--metrics-bind',
        ).catch(async (error: unknown) => {
          await app.close();
          throw error;
        });
        log.info(`metrics at ${metricsServer?.url}`);
      }
      // Handled from here on, so a stop while the gateway is still joining also shuts down cleanly.
      let closing = false;
      exitOnSignal(log, 'shutting down', [
        [
          'closing the Stratum server',
          () => {
            closing = true;
            return rigService?.close();
          },
        ],
        [
          'stopping the gateway',
          () => {
            closing = true;
            return gateway?.stop();
          },
        ],
        ['closing the ledger', () => ledger?.close()],
        ['closing the web server', () => app.close()],
        ['closing the metrics server', () => metricsServer?.close()],
        ['closing the Redis bus', () => bus?.close()],
      ]);
      const listeners = listeningAddresses(app);
      for (const line of servingLines(listeners)) process.stdout.write(`rxmesh: ${line}\n`);
      if (tls !== undefined) process.stdout.write(`rxmesh: ${fingerprintLine(tls)}\n`);
      process.stdout.write(`rxmesh: ${teacherLine(listeners, teacherToken)}\n`);
      if (options.gateway) {
        // The gateway is a client of this server like any other, over plain http on the machine itself: Node's
        // fetch would not take a self-signed certificate, nor a real one for a name that is not the loopback.
        const plain = listeners.find((listener) => listener.scheme === 'http');
        if (plain === undefined) throw new Error('serve listens on no plain-http server for its gateway');
        const loopback = isWildcard(options.bind) ? '127.0.0.1' : options.bind;
        const localSwitch = new LocalSwitch();
        const keys = serverGatewayKeys(cluster);
        const joining = joinCluster({
          signalUrls: [new URL(`http://${urlHost(loopback)}:${plain.port}`)],
          room: options.room,
          keys,
          localSwitch,
          info: {
            name: 'gateway',
            engine: 'native',
            mode: 'light',
            cores: availableParallelism(),
            memoryMb: Math.round(totalmem() / 2 ** 20),
            // The server's machine verifies and coordinates; it hashes only if someone runs `rxmesh host` on it.
            mines: false,
            maxLinks: announcedMaxLinks(options, true),
            jobSource: true,
          },
          ice,
          askServerForIce: false,
          ...(options.publicAddress === undefined ? {} : { publicAddress: options.publicAddress }),
          ...(plan.kind === 'demo'
            ? { source: 'demo' as const }
            : { source: 'external' as const, jobSource: openJobSource(plan, log) }),
          hasher: await openShareHasher(undefined, (message) => log.warn(message)),
          ...(ledger === undefined ? {} : { ledger }),
          log,
          statusSeconds: 30,
          settings: { shareSeconds: options.shareSeconds },
        });
        // A stop during the join closes the server under it: that failure is the stop, not an error.
        const joined = await joining.catch((error: unknown) => {
          if (closing) return undefined;
          throw error;
        });
        if (closing) await joined?.stop();
        else gateway = joined;
        if (gateway !== undefined) {
          rigService = await openStratum(options, {
            gateway,
            localSwitch,
            scheme: keys.scheme,
            cluster: cluster.id,
            tls,
            log,
          });
        }
      }
    });
}

type TlsSource = { kind: 'files'; cert: string; key: string } | { kind: 'self-signed' } | undefined;

/** The TLS flags, checked to fit together before anything is read or listens. */
function checkTlsFlags(options: ServeOptions): TlsSource {
  const { tlsCert, tlsKey, tlsSelfSigned } = options;
  if (tlsSelfSigned && (tlsCert !== undefined || tlsKey !== undefined)) {
    throw new CliError('Give either --tls-cert FILE --tls-key FILE or --tls-self-signed, not both.');
  }
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new CliError(
      '--tls-cert and --tls-key go together: give the certificate and its private key, or use --tls-self-signed.',
    );
  }
  const source: TlsSource =
    tlsCert !== undefined && tlsKey !== undefined
      ? { kind: 'files', cert: tlsCert, key: tlsKey }
      : tlsSelfSigned
        ? { kind: 'self-signed' }
        : undefined;
  if (source === undefined && options.httpPort !== undefined) {
    throw new CliError(
      '--http-port is the plain-http port beside https, so it goes with --tls-cert or --tls-self-signed; ' +
        'without them, --port is the http port.',
    );
  }
  if (source !== undefined && options.port !== undefined && options.port !== 0 && options.port === options.httpPort) {
    throw new CliError(`--port and --http-port are both ${options.port}: give each server a port of its own.`);
  }
  return source;
}

async function openTls(
  source: TlsSource,
  options: ServeOptions,
  log: { info(message: string): void },
): Promise<TlsCredentials | undefined> {
  if (source === undefined) return undefined;
  if (source.kind === 'files') return readTlsFiles(source.cert, source.key);
  const names = machineNames({ bind: options.bind, interfaces: networkInterfaces(), hostname: hostname() });
  const { tls, story } = await loadSelfSigned(options.dataDir, names);
  log.info(story);
  return tls;
}

function threadsWords(url: Pick<JoinUrl, 'scheme' | 'threads'>): string {
  if (url.scheme === 'https') return 'all threads (https)';
  return url.threads === 'all' ? 'all threads (this computer only)' : 'one thread (http)';
}

/** The URLs to open: on this computer (when the server listens on every address), then those of the class. */
function servingLines(listeners: readonly Listener[]): string[] {
  const onThisComputer = listeners
    .filter((listener) => isWildcard(listener.address))
    .map(({ scheme, port }) => ({ url: `${scheme}://localhost:${port}`, scheme, threads: 'all' as const }));
  return [...onThisComputer, ...joinUrls(listeners, networkInterfaces())].map(
    (url) => `serving ${url.url} — ${threadsWords(url)}`,
  );
}

function fingerprintLine(tls: TlsCredentials): string {
  const fingerprint = new X509Certificate(tls.cert).fingerprint256;
  if (!tls.selfSigned) return `the certificate's SHA-256 fingerprint is ${fingerprint}`;
  return (
    `the self-signed certificate's SHA-256 fingerprint is ${fingerprint} (students compare it with the one ` +
    'their browser shows before they accept the certificate)'
  );
}

/** The teacher's link, on this machine: it carries the token that stops every tab, so it is not for the class. */
function teacherLine(listeners: readonly Listener[], token: string): string {
  const [first] = listeners;
  const origin = first === undefined ? 'http://localhost:8080' : `${first.scheme}://localhost:${first.port}`;
  return `the teacher's view, with the controls to stop every tab and start a new lesson (keep this link to yourself): ${origin}/classroom#teacher=${token}`;
}
