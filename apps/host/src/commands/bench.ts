// `rxmesh bench`: hashrate of an engine, as JSON for BENCHMARKS.md.
import { Command, Option } from 'commander';
import { benchNative } from '../bench/native-bench.js';
import { benchWasm } from '../bench/wasm-bench.js';
import { cpuPriorityOption, miningThreadNice } from '../cpu-priority.js';
import { ENGINE_NAMES, type EngineName } from '../engines.js';
import { defaultThreadCount, parsePositiveInteger } from '../options.js';

interface BenchOptions {
  impl: EngineName;
  mode: 'light' | 'full';
  threads: number;
  seconds: number;
  cpuPriority: number;
  json?: boolean;
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('Measure the hashrate of an engine on this machine.')
    .addOption(new Option('--impl <engine>', 'hashing engine').choices(ENGINE_NAMES).makeOptionMandatory())
    .addOption(
      new Option('--mode <mode>', 'light: 256 MiB cache; full: 2080 MiB dataset')
        .choices(['light', 'full'])
        .default('light'),
    )
    .addOption(
      new Option('--threads <n>', 'hashing threads')
        .default(defaultThreadCount(), 'cores - 1')
        .argParser(parsePositiveInteger),
    )
    .addOption(new Option('--seconds <s>', 'how long to hash, after init').default(10).argParser(parsePositiveInteger))
    .addOption(cpuPriorityOption())
    .option(
      '--json',
      'end with one JSON line: impl, mode, threads, seconds, hashes, hashrate (H/s), cacheInitMs, datasetInitMs, peakRssMb, and eventLoopLagMaxMs (native) or wasmMemoryMb (wasm)',
    )
    .action(async (options: BenchOptions) => {
      const progress = (message: string) => process.stderr.write(`rxmesh bench: ${message}\n`);
      const result =
        options.impl === 'native'
          ? await benchNative(
              options.mode,
              options.threads,
              options.seconds,
              progress,
              miningThreadNice(options.cpuPriority),
            )
          : await benchWasm(options.mode, options.threads, options.seconds, progress);
      const dataset = result.datasetInitMs === null ? '' : `; dataset init ${result.datasetInitMs} ms`;
      process.stdout.write(
        `${result.impl} ${result.mode}, ${result.threads} thread(s): ${result.hashrate.toFixed(2)} H/s ` +
          `(${result.hashes} hashes; cache init ${result.cacheInitMs} ms${dataset}; peak RSS ${result.peakRssMb} MiB)\n`,
      );
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
