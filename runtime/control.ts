import { type Duration, toMillis } from './duration.js';

/**
 * Thrown by a task to ask for another attempt after a given delay, whatever the retry policy's
 * backoff says. It still counts as an attempt: when attempts are exhausted the task fails.
 *
 * Detected by `instanceof` or by `name === 'Retry'`, so it survives bundling twice.
 *
 * @example
 * ```ts
 * task('poll', {}, async (args) => {
 *   if (!(await ready(args.id))) throw new Retry('30s', 'not ready yet');
 * });
 * ```
 */
export class Retry extends Error {
  override readonly name = 'Retry';
  /** Delay before the next attempt, in milliseconds. */
  readonly afterMs: number;

  constructor(after: Duration, message = 'retry requested', options?: { cause?: unknown }) {
    super(message, options);
    this.afterMs = toMillis(after, 'Retry(after)');
  }
}

/**
 * Thrown by a task to fail at once, with no further attempts: the task is recorded as FAILURE
 * and its message is dead-lettered (replayable).
 *
 * @example
 * ```ts
 * task('charge', {}, async ({ cardId }) => {
 *   if (!cardId) throw new NonRetriable('no card on file');
 * });
 * ```
 */
export class NonRetriable extends Error {
  override readonly name = 'NonRetriable';
}

/** True when `err` is a {@link Retry}, even across bundle copies. */
export function isRetry(err: unknown): err is Retry {
  return err instanceof Retry || (err instanceof Error && err.name === 'Retry' && 'afterMs' in err);
}

/** True when `err` is a {@link NonRetriable}, even across bundle copies. */
export function isNonRetriable(err: unknown): err is NonRetriable {
  return err instanceof NonRetriable || (err instanceof Error && err.name === 'NonRetriable');
}
