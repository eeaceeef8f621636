/** Exit codes scripts can rely on. */
export const ExitCode = {
  OK: 0,
  /** The operation ran and failed (a task failed, a send was refused…). */
  FAILURE: 1,
  /** Bad command line or input: nothing was done. */
  USAGE: 2,
  /** The task, workflow, queue or schedule does not exist. */
  NOT_FOUND: 3,
  /** Gave up waiting. */
  TIMEOUT: 4,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error that ends the command with a message and an exit code.
 *
 * @example
 * ```ts
 * throw new CliError(ExitCode.NOT_FOUND, `no task ${id}`);
 * ```
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
