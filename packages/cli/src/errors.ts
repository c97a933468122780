/** Exit codes: 0 success, 1 an API or runtime error, 2 a usage error (bad command, option or value). */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** A command line the CLI cannot run as given; printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A failure that is not the server's answer (an unreadable file, a model that is missing, a
 * training run that failed): printed as it is, with a code for --json, exit code 1.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly code = 'CLI_ERROR',
  ) {
    super(message);
  }
}
