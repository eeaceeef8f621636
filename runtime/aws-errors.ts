/** Error names AWS services use for throttling (the SDK's own list, plus service-specific ones). */
const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'SlowDown',
]);

/** Error names of failures on the service's side, worth another try. */
const SERVER_NAMES: ReadonlySet<string> = new Set([
  'InternalServerException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Node.js socket error codes of a connection refused, reset or timed out. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

interface AwsLikeError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

/**
 * Whether an error from an AWS SDK call is transient: a throttle (429 or a throttling error
 * name), a 5xx, a timeout, or a refused, reset or dropped connection. Such a call may succeed
 * if tried again later; anything else (validation, access denied, not found) will not.
 * Looks through `cause` (a {@link CeleriacError} wrapping an SDK error counts too).
 *
 * @example
 * ```ts
 * if (isTransientAwsError(err)) await sleep(backoff);
 * ```
 */
export function isTransientAwsError(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const e = error as AwsLikeError;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError') return false;
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (status === 429 || status >= 500) return true;
  if (THROTTLING_NAMES.has(name) || SERVER_NAMES.has(name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined) return true;
  return isTransientAwsError(e.cause, depth + 1);
}

/**
 * Whether an error from an AWS SDK call is a throttle.
 *
 * @example
 * ```ts
 * isThrottle(err); // true for ThrottlingException, RequestThrottled, 429 …
 * ```
 */
export function isThrottle(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as AwsLikeError;
  return e.$metadata?.httpStatusCode === 429 || (typeof e.name === 'string' && THROTTLING_NAMES.has(e.name));
}
