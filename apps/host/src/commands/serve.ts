// `rxmesh serve`: the web app and signaling server, with an embedded gateway peer.
import { networkInterfaces } from 'node:os';
import { buildServer } from '@rxmesh/signal';
import { Command, Option } from 'commander';
import { NotAvailableYet } from '../errors.js';
import { type JobSourceSpec, parseJobSource, parsePort } from '../options.js';

interface ServeOptions {
  port: number;
  bind: string;
  source: JobSourceSpec;
  gateway: boolean;
  wallet?: string;
  user?: string;
  pass?: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the web app and signaling server, with an embedded gateway peer on the demo chain.')
    .addOption(
      new Option('--port <port>', 'HTTP port for the web app, signaling and /api').default(8080).argParser(parsePort),
    )
    .addOption(
      new Option('--bind <address>', 'address to listen on; 0.0.0.0 lets a class on the LAN join').default('0.0.0.0'),
    )
    .addOption(
      new Option('--source <url>', 'job source: demo, daemon+http://HOST:PORT or stratum+tcp://HOST:PORT')
        .default({ kind: 'demo' }, 'demo')
        .argParser(parseJobSource),
    )
    .option('--wallet <address>', 'wallet address that block rewards go to (daemon sources)')
    .option('--user <login>', 'pool login, usually a wallet address (stratum sources)')
    .option('--pass <password>', 'pool password or worker name (stratum sources)')
    .option('--no-gateway', 'run no gateway peer here: only signaling and the web app')
    .action(async (options: ServeOptions) => {
      if (options.source.kind !== 'demo') throw new NotAvailableYet(`The ${options.source.kind} job source`);
      const app = await buildServer();
      await app.listen({ port: options.port, host: options.bind });
      const { port } = app.server.address() as { port: number };
      for (const url of reachableUrls(options.bind, port)) process.stdout.write(`rxmesh: serving ${url}\n`);
      process.stdout.write(
        'rxmesh: the mesh and the demo-chain gateway are not available yet; the page says so and runs nothing.\n',
      );
      const close = async () => {
        process.stdout.write('rxmesh: shutting down\n');
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', close);
      process.once('SIGTERM', close);
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
