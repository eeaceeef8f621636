import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Limits, SettingLimits } from '../../runtime/constants.js';

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

/**
 * AWS limits the construct checks at synth time: the runtime's tables ({@link Limits} and
 * {@link SettingLimits}), so the plan, the construct and the local stack apply the same figures.
 * @deprecated import `Limits` or `SettingLimits` from the runtime instead.
 */
export const AwsLimits = { ...Limits, ...SettingLimits } as const;
