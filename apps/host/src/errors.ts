// Errors that end the CLI with a sentence for the user instead of a stack trace.

export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** sysexits' EX_UNAVAILABLE: the command exists but its engine is not built yet, or its library is missing. */
export const EXIT_NOT_AVAILABLE = 69;

export class NotAvailableYet extends CliError {
  override readonly name = 'NotAvailableYet';
  constructor(what: string) {
    super(`${what} is not available yet in this version of rxmesh.`, EXIT_NOT_AVAILABLE);
  }
}
