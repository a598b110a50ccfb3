// `rxmesh host`: a headless Node peer that joins a cluster and mines.
import { availableParallelism, hostname, totalmem } from 'node:os';
import { LocalSwitch } from '@rxmesh/mesh';
import { NativeEngine } from '@rxmesh/native';
import { Command, Option } from 'commander';
import { addHttpApiOptions, type HttpApiFlags, openHostApi } from '../api/host-api.js';
import { addConfigOption } from '../config-file.js';
import { cpuPriorityOption, miningThreadNice } from '../cpu-priority.js';
import { openMiningEngine } from '../engines.js';
import { CliError } from '../errors.js';
import { reserveHugePages } from '../huge-pages.js';
import { addJobSourceOptions, type JobSourceFlags, openJobSource, planJobSource } from '../job-sources.js';
import {
  defaultDataDir,
  type GatewayCredential,
  loadContributorId,
  newIdentity,
  readCredentialFile,
  scheme,
  trustClusterKey,
} from '../keys.js';
import { addLogOptions, createLog, type LogLevel } from '../log.js';
import { fetchClusterKey, joinCluster } from '../mesh/join-cluster.js';
import { openShareHasher } from '../mesh/share-hasher.js';
import { addNetworkOptions, announcedMaxLinks, iceOptionsOf, type NetworkFlags } from '../network-options.js';
import { defaultThreadCount, parseClusterKey, parseHttpUrl, parsePositiveInteger, parseRoom } from '../options.js';
import { addStratumOptions, checkStratumFlags, openStratum, type StratumFlags } from '../rigs/stratum-options.js';
import { exitOnSignal } from '../shutdown.js';

interface HostOptions extends JobSourceFlags, NetworkFlags, StratumFlags, HttpApiFlags {
  signal?: URL[];
  threads: number;
  cpuPriority: number;
  mode: 'light' | 'full';
  room?: string;
  name: string;
  dataDir: string;
  credential?: string;
  clusterKey?: string;
  logJson: boolean;
  logLevel: LogLevel;
  statusSeconds: number;
}

export function hostCommand(): Command {
  const command = addLogOptions(addConfigOption(new Command('host')))
    .description('Join a cluster as a headless peer and mine with native librandomx (WASM when it is missing).')
    .addOption(
      new Option(
        '--signal <url>',
        'the cluster to join: the URL that `rxmesh serve` prints; repeat it for each server of a cluster that runs ' +
          'several, which are tried in turn',
      ).argParser((value: string, previous: URL[] | undefined) => [...(previous ?? []), parseHttpUrl(value)]),
    )
    .addOption(
      new Option('-t, --threads <n>', 'mining threads')
        .default(defaultThreadCount(), 'cores - 1')
        .argParser(parsePositiveInteger),
    )
    .addOption(cpuPriorityOption())
    .addOption(
      new Option('--mode <mode>', 'full: 2080 MiB dataset, fastest; light: 256 MiB cache, for small machines')
        .choices(['light', 'full'])
        .default('full'),
    );
  return addHttpApiOptions(
    addStratumOptions(
      addNetworkOptions(
        addJobSourceOptions(
          command,
          'make this host a gateway with its own job source: demo, daemon+http://HOST:PORT or stratum+tcp://HOST:PORT ' +
            '(see `rxmesh serve --help`)',
        ),
      ),
      { tls: false },
    ),
  )
    .addOption(
      new Option(
        '--room <id>',
        'the room to join on the signaling server (default: the one the server runs its cluster in, as /api/cluster says)',
      ).argParser(parseRoom),
    )
    .addOption(
      new Option(
        '--data-dir <dir>',
        'where this host keeps the cluster keys it pinned at first use, and the contributor id its work is credited to',
      ).default(defaultDataDir()),
    )
    .option(
      '--credential <file>',
      'a gateway credential from `rxmesh credential` on the server: this host may then coordinate (and take --source)',
    )
    .addOption(
      new Option(
        '--cluster-key <key>',
        "the cluster's key, as /api/cluster shows it, instead of pinning it at first use",
      ).argParser(parseClusterKey),
    )
    .option('--name <name>', 'the name shown on the leaderboard', hostname().slice(0, 40))
    .addOption(
      new Option('--status-seconds <s>', "how often to log this host's hashrate and the cluster's figures")
        .default(30)
        .argParser(parsePositiveInteger),
    )
    .action(async (options: HostOptions) => {
      const plan = planJobSource(options);
      const ice = iceOptionsOf(options);
      const jobSource = options.source.length > 0;
      if (jobSource && options.credential === undefined) {
        throw new CliError(
          '--source makes this host a gateway, and only gateways the operator authorized coordinate: run ' +
            '`rxmesh credential --out host.cred` on the server and pass --credential host.cred here.',
        );
      }
      checkStratumFlags(options, { gateway: options.credential !== undefined, tls: false });
      const log = createLog({ json: options.logJson, level: options.logLevel });
      const gateway: GatewayCredential | undefined =
        options.credential === undefined ? undefined : await readCredentialFile(options.credential);
      const expected =
        gateway !== undefined
          ? { key: gateway.payload.cluster, from: `the credential ${options.credential}` }
          : options.clusterKey !== undefined
            ? { key: options.clusterKey, from: '--cluster-key' }
            : undefined;
      const [firstServer, ...otherServers] = options.signal ?? [];
      if (firstServer === undefined) throw new CliError('Give --signal the URL that `rxmesh serve` prints.');
      const signalUrls = [firstServer, ...otherServers] as const;
      const origins = signalUrls.map((url) => url.origin).join(', ');
      const unreachable = (error: unknown) => {
        if (error instanceof CliError) throw error;
        throw new CliError(
          `${(error as Error).message} Check that \`rxmesh serve\` runs at ${origins} and that this machine can ` +
            'reach it.',
        );
      };
      const { origin, key: answered, room: serversRoom } = await firstClusterKey(signalUrls).catch(unreachable);
      const room = options.room ?? serversRoom;
      if (room !== serversRoom) {
        log.warn(
          `--room ${room}: ${origin} runs its cluster in the room ${serversRoom}, so this host mines only if a gateway ` +
            `of its own coordinates the room ${room}. Leave --room out to join the server's cluster.`,
        );
      }
      const cluster = await trustClusterKey({ dir: options.dataDir, origin, answered, expected, log });
      const warn = (message: string) => log.warn(message);
      const engine = await openMiningEngine(options.mode, options.threads, warn, miningThreadNice(options.cpuPriority));
      if (engine instanceof NativeEngine) {
        const pages = reserveHugePages(engine.mode, engine.threads);
        (pages.warn ? log.warn : log.info)(pages.message);
      }
      const hasher = await openShareHasher(engine, warn);
      log.info(`${engine.mode} mode on ${engine.threads} thread(s); joining ${origins}`);
      const localSwitch = new LocalSwitch();
      const contributor = await loadContributorId(options.dataDir);
      const keys = {
        scheme,
        identity: gateway?.identity ?? newIdentity(),
        cluster,
        credential: gateway?.credential ?? null,
      };
      const node = await joinCluster({
        signalUrls,
        room,
        keys,
        localSwitch,
        info: {
          name: options.name.slice(0, 40),
          engine: engine instanceof NativeEngine ? 'native' : 'wasm',
          mode: engine.mode,
          cores: availableParallelism(),
          memoryMb: Math.round(totalmem() / 2 ** 20),
          mines: true,
          maxLinks: announcedMaxLinks(options, gateway !== undefined),
          contributor,
          jobSource,
        },
        ice,
        askServerForIce: true,
        ...(options.publicAddress === undefined ? {} : { publicAddress: options.publicAddress }),
        // A gateway carries on a demo chain it inherits; only one with --source demo starts one.
        ...(plan.kind === 'demo'
          ? { source: 'demo' as const }
          : { source: 'external' as const, jobSource: openJobSource(plan, log) }),
        engine,
        hasher,
        log,
        statusSeconds: options.statusSeconds,
        settings: { shareSeconds: options.shareSeconds },
      }).catch(async (error: unknown) => {
        engine.release();
        await hasher.close();
        return unreachable(error);
      });
      const rigService = await openStratum(options, {
        gateway: node,
        localSwitch,
        scheme,
        cluster,
        tls: undefined,
        log,
      }).catch(async (error: unknown) => {
        await node.stop();
        engine.release();
        throw error;
      });
      const api = await openHostApi(options, {
        node,
        engine,
        contributorId: contributor,
        name: options.name.slice(0, 40),
        cluster: new URL(origin),
      }).catch(async (error: unknown) => {
        await rigService?.close();
        await node.stop();
        engine.release();
        throw error;
      });
      if (api !== undefined) log.info(`xmrig-style HTTP API at ${api.url}/2/summary`);
      exitOnSignal(log, 'leaving the cluster', [
        ['closing the HTTP API', () => api?.close()],
        ['closing the Stratum server', () => rigService?.close()],
        ['leaving the cluster', () => node.stop()],
        ['releasing the engine', () => engine.release()],
      ]);
    });
}

/** The cluster key of the first server that answers, and its origin; the last server's failure when none does. */
async function firstClusterKey(servers: readonly URL[]): Promise<{ origin: string; key: string; room: string }> {
  let failure: unknown;
  for (const server of servers) {
    try {
      return { origin: server.origin, ...(await fetchClusterKey(server)) };
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}
