/** Types of the local Scheduler (see `startLocalScheduler`). */

/** A schedule as the local server keeps it (the CreateSchedule request, plus bookkeeping). */
export interface LocalSchedule {
  readonly Name: string;
  readonly GroupName: string;
  readonly Arn: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly State: 'ENABLED' | 'DISABLED';
  readonly ActionAfterCompletion?: 'DELETE' | 'NONE';
  readonly FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  readonly Target: {
    Arn: string;
    RoleArn: string;
    Input?: string;
    RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
    DeadLetterConfig?: { Arn?: string };
  };
  readonly Description?: string;
  readonly CreationDate: number;
  readonly LastModificationDate: number;
  /** Epoch ms of the next firing, or undefined when it has none left. */
  nextAt: number | undefined;
  /** Failed deliveries of the current firing. */
  failures: number;
  /** When the current firing's next retry is due (after a failed delivery). */
  retryAt: number | undefined;
}

/** A firing the Scheduler gave up on, and what it did with it. */
export interface DeadLetter {
  readonly schedule: string;
  readonly group: string;
  readonly scheduledTime: string;
  /** Why it gave up: a non-retryable target error, or which retry limit ran out. */
  readonly condition: 'NonRetryableError' | 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';
  readonly errorCode: string;
  readonly errorMessage: string;
  /** Deliveries tried. */
  readonly attempts: number;
  /** Whether the dead-letter event reached the schedule's DLQ (false: none set, or it failed: dropped). */
  readonly sentToDlq: boolean;
  readonly body: string;
}

/** One request the server answered (for tests asserting what the SDK sent). */
export interface RecordedRequest {
  readonly operation:
    | 'CreateSchedule'
    | 'GetSchedule'
    | 'DeleteSchedule'
    | 'ListSchedules'
    | 'UpdateSchedule';
  readonly name?: string;
  readonly body?: Record<string, unknown>;
  readonly query: Record<string, string>;
}

/** One delivery the server made. */
export interface Firing {
  readonly schedule: string;
  readonly group: string;
  readonly scheduledTime: string;
  readonly queueUrl: string;
  readonly body: string;
  readonly at: number;
}
