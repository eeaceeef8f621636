/** Error names DynamoDB (and the SDK) use for a throttled request. */
const THROTTLE_NAMES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

/**
 * True when a DynamoDB error means "throttled, try again": a hot partition or index, the table's
 * on-demand ceiling, or a transaction cancelled only because one of its items was throttled.
 *
 * @example
 * ```ts
 * isThrottle(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })); // true
 * ```
 */
export function isThrottle(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (THROTTLE_NAMES.has(err.name)) return true;
  if (err.name === 'TransactionCanceledException') {
    const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    return (
      reasons.some((r) => r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded') &&
      reasons.every(
        (r) =>
          !r.Code ||
          r.Code === 'None' ||
          r.Code === 'ThrottlingError' ||
          r.Code === 'ProvisionedThroughputExceeded',
      )
    );
  }
  return false;
}

/** Options of {@link withThrottleRetry}. */
export interface ThrottleRetryOptions {
  /** Attempts in all, the first included (each one also gets the SDK's own retries). @default 10 */
  readonly attempts?: number;
  /** First backoff in ms; doubles each time, with full jitter. @default 25 */
  readonly baseMs?: number;
  /** Longest single backoff in ms. @default 2000 */
  readonly capMs?: number;
  /** Give up (rethrow) rather than sleep past this epoch ms (the invocation's deadline). */
  readonly deadline?: number;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Which errors are tried again. @default {@link isThrottle} */
  readonly retryOn?: (err: unknown) => boolean;
  /** Wait between tries. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Run a DynamoDB call, retrying it with capped exponential backoff and full jitter while it is
 * throttled. This sits above the SDK's own few retries, so a hot key costs some milliseconds of
 * the invocation rather than a failed record and a second run of the task body. Any other error,
 * and a throttle after the last attempt or past the deadline, is rethrown unchanged.
 *
 * @example
 * ```ts
 * await withThrottleRetry(() => dynamodb.send(new PutItemCommand(input)), { deadline });
 * ```
 */
export async function withThrottleRetry<T>(
  call: () => Promise<T>,
  options: ThrottleRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 10;
  const base = options.baseMs ?? 25;
  const cap = options.capMs ?? 2_000;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(options.retryOn ?? isThrottle)(err) || attempt >= attempts) throw err;
      const wait = Math.round(random() * Math.min(cap, base * 2 ** (attempt - 1)));
      if (options.deadline !== undefined && now() + wait >= options.deadline) throw err;
      await (options.sleep ? options.sleep(wait) : new Promise((resolve) => setTimeout(resolve, wait)));
    }
  }
}
