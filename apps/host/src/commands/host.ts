// `rxmesh host`: a headless Node peer that joins a cluster and mines.
import { availableParallelism, hostname, totalmem } from 'node:os';
import { NativeEngine } from '@rxmesh/native';
import { DEFAULT_ROOM } from '@rxmesh/signal';
import { Command, Option } from 'commander';
import { openMiningEngine } from '../engines.js';
import { CliError } from '../errors.js';
import { addJobSourceOptions, type JobSourceFlags, openJobSource, planJobSource } from '../job-sources.js';
import { createLog } from '../log.js';
import { joinCluster } from '../mesh/join-cluster.js';
import { openShareHasher } from '../mesh/share-hasher.js';
import { defaultThreadCount, parseHttpUrl, parsePositiveInteger } from '../options.js';

interface HostOptions extends JobSourceFlags {
  signal: URL;
  threads: number;
  mode: 'light' | 'full';
  room: string;
  name: string;
  logJson: boolean;
  statusSeconds: number;
}

export function hostCommand(): Command {
  const command = new Command('host')
    .description('Join a cluster as a headless peer and mine with native librandomx (WASM when it is missing).')
    .addOption(
      new Option('--signal <url>', 'the cluster to join: the URL that `rxmesh serve` prints')
        .argParser(parseHttpUrl)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--threads <n>', 'mining threads')
        .default(defaultThreadCount(), 'cores - 1')
        .argParser(parsePositiveInteger),
    )
    .addOption(
      new Option('--mode <mode>', 'full: 2080 MiB dataset, fastest; light: 256 MiB cache, for small machines')
        .choices(['light', 'full'])
        .default('full'),
    );
  return addJobSourceOptions(
    command,
    'make this host a gateway with its own job source: demo, daemon+http://HOST:PORT or stratum+tcp://HOST:PORT ' +
      '(see `rxmesh serve --help`)',
  )
    .option('--room <id>', 'the cluster id on the signaling server', DEFAULT_ROOM)
    .option('--name <name>', 'the name shown on the leaderboard', hostname().slice(0, 40))
    .option('--log-json', 'log one JSON object per line instead of text', false)
    .addOption(
      new Option('--status-seconds <s>', "how often to log this host's hashrate and the cluster's figures")
        .default(30)
        .argParser(parsePositiveInteger),
    )
    .action(async (options: HostOptions) => {
      const plan = planJobSource(options);
      // Any --source, demo included, makes this host a gateway.
      const gateway = options.source.length > 0;
      const log = createLog({ json: options.logJson });
      const warn = (message: string) => log.warn(message);
      const engine = await openMiningEngine(options.mode, options.threads, warn);
      const hasher = await openShareHasher(engine, warn);
      log.info(`${engine.mode} mode on ${engine.threads} thread(s); joining ${options.signal.origin}`);
      const node = await joinCluster({
        signalUrl: options.signal,
        room: options.room,
        info: {
          name: options.name.slice(0, 40),
          role: gateway ? 'gateway' : 'auto',
          engine: engine instanceof NativeEngine ? 'native' : 'wasm',
          mode: engine.mode,
          cores: availableParallelism(),
          memoryMb: Math.round(totalmem() / 2 ** 20),
          mines: true,
          maxLinks: 64,
        },
        // Every host can carry on a demo chain it inherits; only a gateway starts one.
        ...(plan.kind === 'demo'
          ? { source: 'demo' as const }
          : { source: 'external' as const, jobSource: openJobSource(plan, log) }),
        engine,
        hasher,
        log,
        statusSeconds: options.statusSeconds,
      }).catch(async (error: unknown) => {
        engine.release();
        await hasher.close();
        throw new CliError(
          `${(error as Error).message} Check that \`rxmesh serve\` runs at ${options.signal.origin} and that this ` +
            'machine can reach it.',
        );
      });
      const stop = async () => {
        log.info('leaving the cluster');
        await node.stop();
        engine.release();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
