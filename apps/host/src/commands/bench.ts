// `rxmesh bench`: hashrate of an engine, as JSON for BENCHMARKS.md.
import { Command, Option } from 'commander';
import { benchWasmLight } from '../bench/wasm-bench.js';
import { ENGINE_NAMES, type EngineName } from '../engines.js';
import { CliError, NotAvailableYet } from '../errors.js';
import { defaultThreadCount, parsePositiveInteger } from '../options.js';

interface BenchOptions {
  impl: EngineName;
  mode: 'light' | 'full';
  threads: number;
  seconds: number;
  json?: boolean;
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
    .action(async (options: BenchOptions) => {
      if (options.impl === 'native') {
        throw new NotAvailableYet(`Benchmarking the native engine in ${options.mode} mode`);
      }
      if (options.mode === 'full') {
        throw new CliError('The WebAssembly engine runs light mode only; use --mode light, or --impl native.', 2);
      }
      const result = await benchWasmLight(options.threads, options.seconds, (message) =>
        process.stderr.write(`rxmesh bench: ${message}\n`),
      );
      process.stdout.write(
        `${result.impl} ${result.mode}, ${result.threads} thread(s): ${result.hashrate.toFixed(2)} H/s ` +
          `(${result.hashes} hashes; cache init ${result.cacheInitMs} ms; peak RSS ${result.peakRssMb} MiB)\n`,
      );
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
