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

/** sysexits' EX_UNAVAILABLE: the command exists but a library it needs is missing. */
export const EXIT_NOT_AVAILABLE = 69;
