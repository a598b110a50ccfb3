// `rxmesh bench`: hashrate of an engine, as JSON for BENCHMARKS.md.
import { Command, Option } from 'commander';
import { ENGINE_NAMES, type EngineName } from '../engines.js';
import { NotAvailableYet } from '../errors.js';
import { defaultThreadCount, parsePositiveInteger } from '../options.js';

interface BenchOptions {
  impl: EngineName;
  mode: 'light' | 'full';
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('Measure the hashrate of an engine on this machine.')
    .addOption(new Option('--impl <engine>', 'hashing engine').choices(ENGINE_NAMES).makeOptionMandatory())
    .addOption(
      new Option('--mode <mode>', 'light: 256 MiB cache; full: 2080 MiB dataset (native only)')
        .choices(['light', 'full'])
        .default('light'),
    )
    .addOption(
      new Option('--threads <n>', 'hashing threads')
        .default(defaultThreadCount(), 'cores - 1')
        .argParser(parsePositiveInteger),
    )
    .addOption(new Option('--seconds <s>', 'how long to hash, after init').default(10).argParser(parsePositiveInteger))
    .option(
      '--json',
      'end with one JSON line: impl, mode, threads, seconds, hashes, hashrate (H/s), cacheInitMs, datasetInitMs, peakRssMb',
    )
    .action((options: BenchOptions) => {
      throw new NotAvailableYet(`Benchmarking the ${options.impl} engine in ${options.mode} mode`);
    });
}
