import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

/** Defaults of {@link TaskRuntimeProps}, each defined once here. */
export const RuntimeDefaults = {
  /** Worker log retention. */
  LOG_RETENTION: logs.RetentionDays.ONE_MONTH,
  /** Alarm when a queue's oldest message has waited this long. */
  OLDEST_MESSAGE_AGE: Duration.minutes(15),
  /** Retention of the scheduler's dead-letter queue (the SQS maximum). */
  SCHEDULER_DLQ_RETENTION: Duration.days(14),
  /** Retry policy of schedules created by `addSchedule`. */
  SCHEDULE_MAX_RETRY_ATTEMPTS: 10,
  SCHEDULE_MAX_EVENT_AGE: Duration.hours(1),
  /** The worker entry module's exported handler. */
  WORKER_HANDLER: 'handler',
} as const;

/** AWS limits the construct checks at synth time (see docs/deploy.md and aws-limits.md). */
export const AwsLimits = {
  LAMBDA_MAX_TIMEOUT_SECONDS: 900,
  LAMBDA_MIN_MEMORY_MB: 128,
  LAMBDA_MAX_MEMORY_MB: 10_240,
  /** Total size of a Lambda function's environment variables. */
  LAMBDA_MAX_ENVIRONMENT_BYTES: 4_096,
  ESM_MAX_BATCH_SIZE: 10_000,
  ESM_MAX_BATCH_SIZE_WITHOUT_WINDOW: 10,
  ESM_MAX_BATCHING_WINDOW_SECONDS: 300,
  ESM_MIN_MAX_CONCURRENCY: 2,
  ESM_MAX_MAX_CONCURRENCY: 1_000,
  SQS_MIN_MESSAGE_BYTES: 1_024,
  SQS_MAX_MESSAGE_BYTES: 1_048_576,
  SQS_MAX_VISIBILITY_SECONDS: 43_200,
  SQS_MIN_RETENTION_SECONDS: 60,
  SQS_MAX_RETENTION_SECONDS: 1_209_600,
  SQS_MAX_NAME_LENGTH: 80,
  /** Visibility timeout ≥ this × function timeout + batching window (AWS guidance). */
  VISIBILITY_MULTIPLIER: 6,
} as const;
