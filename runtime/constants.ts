import { stringEnum } from './string-enum.js';

/**
 * Limits and defaults, each defined once. Limits come from AWS's service quotas
 * (see docs/operations.md); defaults are Celeriac's choices.
 */
export const Limits = {
  /** SQS maximum message size (1 MiB since Aug 2025). */
  SQS_MAX_MESSAGE_BYTES: 1_048_576,
  /** SQS maximum entries per batch call. */
  SQS_MAX_BATCH_ENTRIES: 10,
  /** SQS maximum total payload per batch call. */
  SQS_MAX_BATCH_BYTES: 1_048_576,
  /** SQS maximum DelaySeconds. */
  SQS_MAX_DELAY_SECONDS: 900,
  /** SQS maximum visibility timeout (and total extension from receipt). */
  SQS_MAX_VISIBILITY_SECONDS: 43_200,
  /** SQS maximum retention (a message, or a dead-letter marker, lives no longer). */
  SQS_MAX_RETENTION_SECONDS: 1_209_600,
  /** DynamoDB maximum item size. */
  DYNAMODB_MAX_ITEM_BYTES: 400_000,
  DYNAMODB_MAX_BATCH_GET: 100,
} as const;

/**
 * AWS's bounds on queue and worker settings (Lambda, the SQS event source, SQS queue
 * attributes): checked where settings are defined and deployed (queue rules, the CDK
 * construct, the local stack), never by the messages a producer or worker sends, so kept apart
 * from {@link Limits} (a bundle reads only the table it uses).
 */
export const SettingLimits = {
  /** SQS minimum MaximumMessageSize setting. */
  SQS_MIN_MESSAGE_BYTES: 1_024,
  /** SQS queue name length. */
  SQS_MAX_NAME_LENGTH: 80,
  /** SQS maxReceiveCount bounds of a redrive policy. */
  SQS_MAX_RECEIVE_COUNT: 1_000,
  /** SQS retention bounds (the maximum is {@link Limits}' `SQS_MAX_RETENTION_SECONDS`). */
  SQS_MIN_RETENTION_SECONDS: 60,
  /** Lambda maximum function timeout. */
  LAMBDA_MAX_TIMEOUT_SECONDS: 900,
  LAMBDA_MIN_MEMORY_MB: 128,
  LAMBDA_MAX_MEMORY_MB: 10_240,
  /** Total size of a Lambda function's environment variables. */
  LAMBDA_MAX_ENVIRONMENT_BYTES: 4_096,
  /** Lambda's synchronous invoke payload (request) limit: it caps an SQS event source batch. */
  LAMBDA_MAX_INVOKE_PAYLOAD_BYTES: 6_291_456,
  /** SQS event source mapping batch size and window. */
  ESM_MAX_BATCH_SIZE: 10_000,
  ESM_MAX_BATCH_SIZE_WITHOUT_WINDOW: 10,
  ESM_MAX_BATCHING_WINDOW_SECONDS: 300,
  ESM_MIN_MAX_CONCURRENCY: 2,
  ESM_MAX_MAX_CONCURRENCY: 1_000,
} as const;

export const Defaults = {
  /** Envelope format version written by this library. */
  ENVELOPE_VERSION: 1,
  /** The queue a task goes to when it names none. */
  QUEUE: 'default',
  /** Worker Lambda timeout for a queue that sets none. */
  WORKER_TIMEOUT_SECONDS: 300,
  WORKER_MEMORY_MB: 512,
  BATCH_SIZE: 10,
  BATCHING_WINDOW_SECONDS: 0,
  MAX_CONCURRENCY: 10,
  /** Attempts including the first when a task sets no retry policy. */
  MAX_ATTEMPTS: 3,
  BACKOFF_BASE_MS: 1_000,
  BACKOFF_CAP_MS: 600_000,
  /** Redrive safety net above the largest retry count on a queue (AWS advises ≥ 5). */
  MIN_MAX_RECEIVE_COUNT: 5,
  /** Source retention; the DLQ keeps 14 days (longer, as standard queues keep the enqueue time). */
  RETENTION_SECONDS: 345_600,
  DLQ_RETENTION_SECONDS: 1_209_600,
  /** Visibility timeout = this × worker timeout + batching window (AWS guidance). */
  VISIBILITY_MULTIPLIER: 6,
  /** How long results are kept before DynamoDB TTL may delete them. */
  RESULT_TTL_MS: 7 * 86_400_000,
  /** How long `handle.result()` waits. */
  WAIT_TIMEOUT_MS: 60_000,
  /** `handle.result()`: longest time between reads of the results table (its `interval`). */
  WAIT_MAX_INTERVAL_MS: 250,
  /** `handle.result()`: shortest time between reads, while the wait is young. */
  WAIT_MIN_INTERVAL_MS: 2,
  /** `handle.result()`: time between reads as a share of the time already waited. */
  WAIT_INTERVAL_RATIO: 0.2,
  /** Records of one SQS batch run at once in one worker. */
  RECORD_CONCURRENCY: 10,
  /** Time the worker keeps back from the Lambda deadline to record outcomes. */
  DEADLINE_MARGIN_MS: 1_000,
  /** Longest a worker's cached view of an id's revocation may be stale. */
  REVOCATION_REFRESH_MS: 1_000,
  /** Longest a worker waits for a revocation read before using the last known state. */
  REVOCATION_READ_TIMEOUT_MS: 2_000,
  /** How often a running task is checked for revocation (through the shared revocation cache). */
  REVOKE_CHECK_MS: 2_000,
  /** How long a revocation item is kept: longer than SQS's 14-day retention. */
  REVOCATION_HOLD_MS: 15 * 86_400_000,
  /**
   * How the runtime's own SDK clients retry a throttle, 5xx or dropped connection: 8 attempts,
   * full-jitter backoff from 50 ms doubling to at most 1 s per wait (about 5 s at worst in all,
   * well inside an invocation). The SDK's default of 3 attempts leaves 0.8% of calls failed
   * under 20% throttling, and a failed result write re-runs the task; 8 leave 3 in a million.
   * A timed-out or dropped connection gets 3 attempts: each may have waited a request timeout.
   */
  SDK_RETRY: { maxAttempts: 8, maxTransientAttempts: 3, baseMs: 50, capMs: 1_000 },
  /** Longest wait for an AWS SDK connection (see `SdkTimeouts`). */
  SDK_CONNECT_TIMEOUT_MS: 3_000,
  /** Longest wait for one AWS SDK attempt's response (see `SdkTimeouts`). */
  SDK_REQUEST_TIMEOUT_MS: 5_000,
  /** Time before the Lambda's end at which the worker's pending SDK calls are abandoned. */
  CALL_DEADLINE_SLACK_MS: 250,
  /**
   * Longest retry backoff that waits in flight (a visibility change). A longer one leaves the
   * queue as a fresh delayed copy carrying the attempts spent, so a downstream outage cannot
   * fill SQS's in-flight limit (about 120,000 per standard queue): backoffs hold at most
   * failing tasks/s × 5 s in flight.
   */
  IN_FLIGHT_BACKOFF_MAX_MS: 5_000,
} as const;

/** Task states as stored in the results table. PENDING is never stored: no item means PENDING. */
export const TaskState = stringEnum('PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED');

/** One of {@link TaskState}'s values. */
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/**
 * States after which a task never runs again on its own. Literals (type-checked against
 * {@link TaskState}): a bundle that never reads the set can drop it.
 */
export const FINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['SUCCESS', 'FAILURE', 'REVOKED']);

/** Per-task choice of what to store in the results table. */
export const ResultMode = { ALWAYS: 'always', ERRORS: 'errors', NEVER: 'never' } as const;
/** One of {@link ResultMode}'s values. */
export type ResultMode = (typeof ResultMode)[keyof typeof ResultMode];
