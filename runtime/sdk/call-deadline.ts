import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * An AWS call abandoned at the worker invocation's deadline. A transport failure like the SDK's
 * own `TimeoutError` (not a {@link CeleriacError}, which the worker treats as a bad value):
 * whatever the call was for is retried with the message.
 */
export class CallDeadlineError extends Error {
  override readonly name = 'CallDeadlineError';
  readonly code = 'CALL_DEADLINE';
  constructor(readonly command: string) {
    super(`${command} abandoned: no answer before the invocation's deadline`);
  }
}

interface Deadline {
  /** Epoch ms by which every SDK call must have answered. */
  readonly end: number;
  readonly now: () => number;
}

/** Created on first use, never at import. */
let storage: AsyncLocalStorage<Deadline> | undefined;

/** The name of the middleware {@link attachCallDeadline} adds. */
const MIDDLEWARE = 'celeriacCallDeadline';

/**
 * Run `fn` with a deadline for every AWS SDK call made inside it (through clients given
 * {@link attachCallDeadline}): a call still unanswered at `end` is abandoned with
 * {@link CallDeadlineError} — the worker uses the Lambda's remaining time, so a hung call ends while the
 * invocation can still report its batch.
 *
 * @example
 * ```ts
 * await withCallDeadline(Date.now() + context.getRemainingTimeInMillis() - 250, Date.now, () => run());
 * ```
 */
export function withCallDeadline<T>(end: number, now: () => number, fn: () => Promise<T>): Promise<T> {
  storage ??= new AsyncLocalStorage<Deadline>();
  return storage.run({ end, now }, fn);
}

interface WithMiddleware {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize'; name: string; override: boolean }): void;
  };
}

/**
 * Make an SDK client honour {@link withCallDeadline}. Idempotent; outside a deadline the client
 * behaves as before.
 *
 * @example
 * ```ts
 * attachCallDeadline(new DynamoDBClient({}));
 * ```
 */
export function attachCallDeadline(client: object): void {
  (client as WithMiddleware).middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        const deadline = storage?.getStore();
        if (!deadline) return next(args);
        const left = deadline.end - deadline.now();
        const error = () => new CallDeadlineError(context.commandName ?? 'AWS call');
        if (left <= 0) throw error();
        let timer: NodeJS.Timeout | undefined;
        try {
          return await Promise.race([
            next(args),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(error()), left);
            }),
          ]);
        } finally {
          clearTimeout(timer);
        }
      },
    { step: 'initialize', name: MIDDLEWARE, override: true },
  );
}
