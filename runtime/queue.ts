import { Defaults, Limits } from './constants.js';
import { type Duration, toMillis } from './duration.js';
import { ErrorCode, invalid } from './errors.js';

/**
 * Settings of one (priority) queue and the worker that drains it.
 *
 * @example
 * ```ts
 * const queues = { high: { maxConcurrency: 50, timeout: '1m' }, default: {}, low: { maxConcurrency: 2 } };
 * ```
 */
export interface QueueSettings {
  /** Records per worker invocation (1-10,000; over 10 needs a batching window). @default 10 */
  readonly batchSize?: number;
  /** How long the event source gathers a batch (0-300 s). @default 0 */
  readonly batchingWindow?: Duration;
  /** Concurrent worker invocations for this queue (2-1,000). @default 10 */
  readonly maxConcurrency?: number;
  /** Reserved concurrency of the worker function; must be ≥ maxConcurrency. @default maxConcurrency */
  readonly reservedConcurrency?: number;
  /** Worker Lambda timeout (≤ 15 min); every task on the queue must fit in it. @default '5m' */
  readonly timeout?: Duration;
  /** Worker memory in MB (128-10,240). @default 512 */
  readonly memoryMb?: number;
  /** How long an unconsumed message is kept (1 min - 14 days). @default '4d' */
  readonly retention?: Duration;
  /** Receives before SQS moves a message to the DLQ. @default max(5, largest maxAttempts + 2) */
  readonly maxReceiveCount?: number;
}

/** A queue's settings after validation, in seconds and counts. */
export interface QueueDefinition {
  readonly name: string;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maxConcurrency: number;
  readonly reservedConcurrency: number;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly retentionSeconds: number;
  readonly maxReceiveCount: number | undefined;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

function intWithin(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(ErrorCode.INVALID_OPTION, what, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Validate one queue's settings.
 *
 * @throws CeleriacError naming the setting, the value and the allowed range.
 * @example
 * ```ts
 * defineQueue('high', { maxConcurrency: 50 });
 * ```
 */
export function defineQueue(name: string, settings: QueueSettings): QueueDefinition {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      'queue name',
      name,
      'a letter then up to 39 letters, digits, "_" or "-"',
    );
  }
  const what = `queue "${name}"`;
  const windowMs = toMillis(settings.batchingWindow ?? 0, `${what} batchingWindow`);
  const batchingWindowSeconds = Math.ceil(windowMs / 1000);
  intWithin(batchingWindowSeconds, `${what} batchingWindow (s)`, 0, Limits.ESM_MAX_BATCHING_WINDOW_SECONDS);
  const batchSize = intWithin(
    settings.batchSize ?? Defaults.BATCH_SIZE,
    `${what} batchSize`,
    1,
    Limits.ESM_MAX_BATCH_SIZE,
  );
  if (batchSize > Limits.ESM_MAX_BATCH_SIZE_WITHOUT_WINDOW && batchingWindowSeconds < 1) {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      `${what} batchSize`,
      batchSize,
      'at most 10 unless batchingWindow ≥ 1s',
    );
  }
  const maxConcurrency = intWithin(
    settings.maxConcurrency ?? Defaults.MAX_CONCURRENCY,
    `${what} maxConcurrency`,
    Limits.ESM_MIN_MAX_CONCURRENCY,
    Limits.ESM_MAX_MAX_CONCURRENCY,
  );
  const reservedConcurrency = intWithin(
    settings.reservedConcurrency ?? maxConcurrency,
    `${what} reservedConcurrency`,
    1,
    10_000,
  );
  if (reservedConcurrency < maxConcurrency) {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      `${what} reservedConcurrency`,
      reservedConcurrency,
      `at least maxConcurrency (${maxConcurrency}); less makes throttled batches burn receives toward the DLQ`,
    );
  }
  const timeoutMs = toMillis(settings.timeout ?? Defaults.WORKER_TIMEOUT_SECONDS * 1000, `${what} timeout`);
  const timeoutSeconds = Math.ceil(timeoutMs / 1000);
  intWithin(timeoutSeconds, `${what} timeout (s)`, 1, Limits.LAMBDA_MAX_TIMEOUT_SECONDS);
  const memoryMb = intWithin(
    settings.memoryMb ?? Defaults.WORKER_MEMORY_MB,
    `${what} memoryMb`,
    Limits.LAMBDA_MIN_MEMORY_MB,
    Limits.LAMBDA_MAX_MEMORY_MB,
  );
  const retentionSeconds = Math.ceil(
    toMillis(settings.retention ?? Defaults.RETENTION_SECONDS * 1000, `${what} retention`) / 1000,
  );
  intWithin(
    retentionSeconds,
    `${what} retention (s)`,
    Limits.SQS_MIN_RETENTION_SECONDS,
    Limits.SQS_MAX_RETENTION_SECONDS,
  );
  const maxReceiveCount =
    settings.maxReceiveCount === undefined
      ? undefined
      : intWithin(settings.maxReceiveCount, `${what} maxReceiveCount`, 1, 1000);
  return {
    name,
    batchSize,
    batchingWindowSeconds,
    maxConcurrency,
    reservedConcurrency,
    timeoutSeconds,
    memoryMb,
    retentionSeconds,
    maxReceiveCount,
  };
}
