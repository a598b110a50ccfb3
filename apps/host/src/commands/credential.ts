// `rxmesh credential`: a gateway credential for a host that may coordinate the cluster, signed with the cluster key
// in the server's data directory. The host takes it with `rxmesh host --credential FILE`.
import { Command, Option } from 'commander';
import { credentialFile, defaultDataDir, loadClusterKey, writeCredentialFile } from '../keys.js';
import { parsePositiveInteger } from '../options.js';

interface CredentialOptions {
  dataDir: string;
  name: string;
  days: number;
  out?: string;
}

export function credentialCommand(): Command {
  return new Command('credential')
    .description(
      "Issue a gateway credential: a new key for a host and the cluster key's signature that lets it coordinate.",
    )
    .addOption(
      new Option('--data-dir <dir>', "the server's data directory, which holds the cluster key").default(
        defaultDataDir(),
      ),
    )
    .option('--name <name>', 'a name for the host the credential is for', 'gateway host')
    .addOption(
      new Option('--days <n>', 'how long the credential is valid').default(365).argParser(parsePositiveInteger),
    )
    .option('--out <file>', 'write the credential to FILE (mode 0600) instead of standard output')
    .addHelpText(
      'after',
      '\nThe credential holds a secret key: copy it to the host like an SSH key, then run\n' +
        '  rxmesh host --signal http://SERVER:8080 --credential FILE [--source …]\n',
    )
    .action(async (options: CredentialOptions) => {
      const { cluster, created } = await loadClusterKey(options.dataDir);
      if (created) process.stderr.write(`rxmesh: made a new cluster key in ${options.dataDir}: ${cluster.id}\n`);
      const { text, id } = credentialFile(cluster, options.name.slice(0, 40), options.days);
      if (options.out === undefined) process.stdout.write(text);
      else await writeCredentialFile(options.out, text);
      process.stderr.write(
        `rxmesh: issued a credential for ${id} in cluster ${cluster.id}, valid ${options.days} days` +
          `${options.out === undefined ? '' : `, in ${options.out}`}\n`,
      );
    });
}
