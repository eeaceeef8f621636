import { Defaults } from './constants.js';

/** How the runtime's AWS SDK clients retry a failed call. */
export interface SdkRetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /**
   * Attempts when the failures are transient (a timed-out or dropped connection): each may have
   * waited a whole request timeout, so fewer of them fit in an invocation than throttles do.
   */
  readonly maxTransientAttempts: number;
  /** The first retry waits up to this long (full jitter); each next one up to twice as long… */
  readonly baseMs: number;
  /** …but never more than this. */
  readonly capMs: number;
}

/** One call's retry state (the SDK's `RetryToken`). */
interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
  /** Retries that followed a transient failure. */
  readonly transient: number;
}

/** What the SDK says about a failed attempt (its `RetryErrorInfo`). */
interface ErrorInfo {
  readonly errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  readonly retryAfterHint?: Date;
}

/** An SDK v3 retry strategy (`RetryStrategyV2`), for a client's `retryStrategy` option. */
export interface SdkRetryStrategy {
  readonly mode: 'standard';
  acquireInitialRetryToken(scope: string): Promise<Token>;
  refreshRetryTokenForRetry(token: Token, errorInfo: ErrorInfo): Promise<Token>;
  recordSuccess(token: Token): void;
}

const token = (retries: number, delayMs: number, transient = 0): Token => ({
  getRetryCount: () => retries,
  getRetryDelay: () => delayMs,
  transient,
});

/**
 * The retry strategy of the runtime's SDK clients: throttles and 5xx are retried up to
 * `maxAttempts`, timed-out and dropped connections up to `maxTransientAttempts`, with full-jitter exponential backoff capped at `capMs`, so the
 * retries of one call fit well inside a worker invocation (the SDK's default waits up to 20 s
 * per retry and stops retrying once its shared retry quota is spent, which a burst of throttles
 * does). A `retry-after` hint is honoured up to the cap. Client errors are not retried.
 *
 * @example
 * ```ts
 * new DynamoDBClient({ retryStrategy: sdkRetryStrategy() });
 * ```
 */
export function sdkRetryStrategy(
  policy: SdkRetryPolicy = Defaults.SDK_RETRY,
  random: () => number = Math.random,
): SdkRetryStrategy {
  return {
    mode: 'standard',
    acquireInitialRetryToken: async () => token(0, 0),
    async refreshRetryTokenForRetry(previous, errorInfo) {
      const retries = previous.getRetryCount() + 1;
      const transient = previous.transient + (errorInfo.errorType === 'TRANSIENT' ? 1 : 0);
      if (
        errorInfo.errorType === 'CLIENT_ERROR' ||
        retries >= policy.maxAttempts ||
        transient >= policy.maxTransientAttempts
      ) {
        throw new Error('no retry: not retryable, or attempts exhausted');
      }
      let delay = random() * Math.min(policy.capMs, policy.baseMs * 2 ** retries);
      const hint = errorInfo.retryAfterHint?.getTime();
      if (hint !== undefined) delay = Math.max(delay, Math.min(policy.capMs, hint - Date.now()));
      return token(retries, Math.floor(delay), transient);
    },
    recordSuccess: () => undefined,
  };
}
