import { Defaults } from './constants.js';
import { type Duration, toMillis } from './duration.js';
import { ErrorCode, invalid } from './errors.js';

/** How the delay grows between attempts. */
export interface BackoffOptions {
  /** `fixed`: always `base`; `exponential`: `base × 2^(attempt-1)`, capped. */
  readonly type: 'fixed' | 'exponential';
  /** @default '1s' */
  readonly base?: Duration;
  /** Upper bound of one delay. @default '10m' */
  readonly cap?: Duration;
  /** `full`: uniform in [0, delay]; `equal`: delay/2 + uniform in [0, delay/2]; `none`. @default 'full' */
  readonly jitter?: 'none' | 'full' | 'equal';
}

/**
 * A task's retry policy.
 *
 * @example
 * ```ts
 * const retry: RetryOptions = {
 *   maxAttempts: 5,
 *   backoff: { type: 'exponential', base: '2s', cap: '5m', jitter: 'full' },
 *   retryOn: (err) => !(err instanceof TypeError),
 * };
 * ```
 */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 means never retry. @default 3 */
  readonly maxAttempts?: number;
  /** A fixed delay, or {@link BackoffOptions}. @default exponential, base 1 s, cap 10 min, full jitter */
  readonly backoff?: Duration | BackoffOptions;
  /**
   * Which errors retry: error names (`err.name`), or a predicate. `NonRetriable` never retries
   * and `Retry` always does, whatever this says. @default every error retries
   */
  readonly retryOn?: readonly string[] | ((error: unknown) => boolean);
}

/** A retry policy after validation, all durations in milliseconds. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly type: 'fixed' | 'exponential';
  readonly baseMs: number;
  readonly capMs: number;
  readonly jitter: 'none' | 'full' | 'equal';
  readonly retryOn: (error: unknown) => boolean;
}

/** Retry delays travel as SQS visibility timeouts: at most 12 h from receipt. */
const MAX_DELAY_MS = 43_200_000;
const MAX_ATTEMPTS_LIMIT = 100;

/**
 * A maximum number of attempts (the first included): an integer from 1 to 100.
 *
 * @throws CeleriacError `INVALID_OPTION` naming `label`.
 * @example
 * ```ts
 * checkMaxAttempts(5, 'task "sync" retry.maxAttempts'); // 5
 * ```
 */
export function checkMaxAttempts(value: number, label: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_ATTEMPTS_LIMIT) {
    throw invalid(ErrorCode.INVALID_OPTION, label, value, `an integer from 1 to ${MAX_ATTEMPTS_LIMIT}`);
  }
  return value;
}

/**
 * Validate and normalise {@link RetryOptions} once, at definition time.
 *
 * @example
 * ```ts
 * normalizeRetry({ maxAttempts: 4, backoff: '30s' }, 'task "sync"').baseMs; // 30000
 * ```
 */
export function normalizeRetry(options: RetryOptions | undefined, what: string): RetryPolicy {
  const maxAttempts = checkMaxAttempts(
    options?.maxAttempts ?? Defaults.MAX_ATTEMPTS,
    `${what} retry.maxAttempts`,
  );
  const backoff = options?.backoff;
  const spec: BackoffOptions =
    backoff === undefined
      ? { type: 'exponential' }
      : typeof backoff === 'object'
        ? backoff
        : { type: 'fixed', base: backoff, jitter: 'none' };
  if (spec.type !== 'fixed' && spec.type !== 'exponential') {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      `${what} retry.backoff.type`,
      spec.type,
      '"fixed" or "exponential"',
    );
  }
  const jitter = spec.jitter ?? 'full';
  if (jitter !== 'none' && jitter !== 'full' && jitter !== 'equal') {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      `${what} retry.backoff.jitter`,
      jitter,
      '"none", "full" or "equal"',
    );
  }
  const baseMs = toMillis(spec.base ?? Defaults.BACKOFF_BASE_MS, `${what} retry.backoff.base`);
  const capMs = toMillis(spec.cap ?? Math.max(baseMs, Defaults.BACKOFF_CAP_MS), `${what} retry.backoff.cap`);
  if (capMs > MAX_DELAY_MS) {
    throw invalid(
      ErrorCode.INVALID_DURATION,
      `${what} retry.backoff.cap`,
      spec.cap,
      'at most 12h (SQS visibility limit)',
    );
  }
  if (baseMs > capMs) {
    throw invalid(
      ErrorCode.INVALID_DURATION,
      `${what} retry.backoff.base`,
      spec.base,
      `at most the cap (${capMs} ms)`,
    );
  }
  return {
    maxAttempts,
    type: spec.type,
    baseMs,
    capMs,
    jitter,
    retryOn: toPredicate(options?.retryOn, what),
  };
}

function toPredicate(retryOn: RetryOptions['retryOn'], what: string): (error: unknown) => boolean {
  if (retryOn === undefined) return () => true;
  if (typeof retryOn === 'function') return retryOn;
  if (Array.isArray(retryOn) && retryOn.every((n) => typeof n === 'string')) {
    const names = new Set(retryOn);
    return (error) => error instanceof Error && names.has(error.name);
  }
  throw invalid(
    ErrorCode.INVALID_OPTION,
    `${what} retry.retryOn`,
    retryOn,
    'a list of error names or a function',
  );
}

/**
 * The delay before attempt `attempt + 1`, after attempt `attempt` failed.
 *
 * @param random - a source of [0, 1) numbers, injectable for tests.
 * @example
 * ```ts
 * backoffDelayMs(policy, 3, () => 0.5);
 * ```
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const raw = policy.type === 'fixed' ? policy.baseMs : policy.baseMs * 2 ** Math.max(0, attempt - 1);
  const delay = Math.min(policy.capMs, raw);
  switch (policy.jitter) {
    case 'none':
      return delay;
    case 'equal':
      return Math.round(delay / 2 + (random() * delay) / 2);
    default:
      return Math.round(random() * delay);
  }
}
