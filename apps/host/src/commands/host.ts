// `rxmesh host`: a headless Node peer that joins a cluster and mines.
import { Command, Option } from 'commander';
import { NotAvailableYet } from '../errors.js';
import { defaultThreadCount, parseHttpUrl, parseJobSource, parsePositiveInteger } from '../options.js';

export function hostCommand(): Command {
  return new Command('host')
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
    )
    .addOption(
      new Option(
        '--source <url>',
        'make this host a gateway with its own job source (see `rxmesh serve --help`)',
      ).argParser(parseJobSource),
    )
    .action(() => {
      throw new NotAvailableYet('`rxmesh host` (the headless mesh peer)');
    });
}
