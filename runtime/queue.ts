import { Defaults } from './constants.js';
import { type Duration, toMillis } from './duration.js';
import { CeleriacError, ErrorCode, invalid } from './errors.js';
import { describeQueueProblem, type QueueShape, queueSettingProblems } from './queue-rules.js';

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

/** How the rules' settings are called in {@link QueueSettings}, where the name differs. */
const SETTING_LABELS: Partial<Record<keyof QueueShape, string>> = {
  workerTimeoutSeconds: 'timeout (s)',
  batchingWindowSeconds: 'batchingWindow (s)',
  retentionSeconds: 'retention (s)',
};

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
  const seconds = (value: Duration, setting: string) =>
    Math.ceil(toMillis(value, `${what} ${setting}`) / 1000);
  const maxConcurrency = settings.maxConcurrency ?? Defaults.MAX_CONCURRENCY;
  const shape = {
    workerTimeoutSeconds: seconds(settings.timeout ?? Defaults.WORKER_TIMEOUT_SECONDS * 1000, 'timeout'),
    memoryMb: settings.memoryMb ?? Defaults.WORKER_MEMORY_MB,
    batchSize: settings.batchSize ?? Defaults.BATCH_SIZE,
    batchingWindowSeconds: seconds(settings.batchingWindow ?? 0, 'batchingWindow'),
    maxConcurrency,
    reservedConcurrency: settings.reservedConcurrency ?? maxConcurrency,
    retentionSeconds: seconds(settings.retention ?? Defaults.RETENTION_SECONDS * 1000, 'retention'),
    maxReceiveCount: settings.maxReceiveCount,
  };
  const [problem] = queueSettingProblems(shape);
  if (problem) {
    throw new CeleriacError(
      ErrorCode.INVALID_OPTION,
      describeQueueProblem(what, problem, SETTING_LABELS[problem.setting] ?? problem.setting),
      { value: problem.value, allowed: problem.rule },
    );
  }
  // The definition is the checked shape, its timeout under the definition's name.
  const { workerTimeoutSeconds: timeoutSeconds, ...checked } = shape;
  return { name, timeoutSeconds, ...checked };
}
