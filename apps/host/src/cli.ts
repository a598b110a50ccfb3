// The rxmesh command line, assembled from one module per subcommand.
import { NativeEngineUnavailable } from '@rxmesh/native';
import { RXMESH_VERSION } from '@rxmesh/signal';
import { Command, CommanderError } from 'commander';
import { benchCommand } from './commands/bench.js';
import { credentialCommand } from './commands/credential.js';
import { hashCommand } from './commands/hash.js';
import { hostCommand } from './commands/host.js';
import { serveCommand } from './commands/serve.js';
import { configFileHook, readFlagsFromEnvironment } from './config-file.js';
import { CliError, EXIT_NOT_AVAILABLE } from './errors.js';

export function buildProgram(): Command {
  const program = new Command('rxmesh')
    .description('A volunteer RandomX mining cluster that runs in the browser.')
    .version(RXMESH_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(serveCommand())
    .addCommand(hostCommand())
    .addCommand(hashCommand())
    .addCommand(benchCommand())
    .addCommand(credentialCommand())
    .hook('preAction', (_program, command) => configFileHook(command));
  readFlagsFromEnvironment(program);
  for (const command of [program, ...program.commands]) command.exitOverride();
  return program;
}

/** Runs the CLI and returns the process exit code; errors a user can meet become one clear line. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander has printed the message
    if (error instanceof CliError) {
      process.stderr.write(`rxmesh: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof NativeEngineUnavailable) {
      process.stderr.write(`rxmesh: ${error.message}\n`);
      return EXIT_NOT_AVAILABLE;
    }
    throw error;
  }
}
