import type * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SchedulePlan } from '../../../runtime/plan.js';
import { SCHEDULER_RETRY_POLICY } from '../../../runtime/schedules/one-time.js';

/** Properties of a {@link CeleriacBeat}. */
export interface CeleriacBeatProps {
  /** The plan's periodic tasks (`planOf(registry).schedules`). */
  readonly schedules: readonly SchedulePlan[];
  /** The schedule group every schedule goes in. */
  readonly groupName: string;
  /** The role schedules run as (it must be allowed `sqs:SendMessage` to the queues and the DLQ). */
  readonly role: iam.IRole;
  /** The runtime's queues by logical name. */
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  /** Where Scheduler puts firings it could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Scheduler's retries of a failed delivery.
   * @default 185 (Scheduler's maximum)
   */
  readonly maximumRetryAttempts?: number;
  /**
   * How long Scheduler keeps retrying one firing, in seconds.
   * @default 86400 (24 h, Scheduler's maximum)
   */
  readonly maximumEventAgeInSeconds?: number;
}

/**
 * Beat: one EventBridge Scheduler schedule per periodic task of the plan, in the runtime's
 * schedule group, targeting the task's SQS queue with the task envelope as Input (its id keyed
 * on `<aws.scheduler.scheduled-time>`, so a repeated delivery of one firing runs once), with a
 * retry policy and the scheduler DLQ. Expressions arrive translated and validated for
 * Scheduler's 6-field cron by the runtime.
 *
 * @example
 * ```ts
 * new CeleriacBeat(this, 'Beat', {
 *   schedules: plan.schedules, groupName: sched.group.scheduleGroupName, role: sched.role,
 *   queues: { default: queue }, deadLetterQueue: sched.deadLetterQueue,
 * });
 * ```
 */
export class CeleriacBeat extends Construct {
  /** The schedules by entry name. */
  readonly schedules: ReadonlyMap<string, scheduler.CfnSchedule>;

  constructor(scope: Construct, id: string, props: CeleriacBeatProps) {
    super(scope, id);
    const made = new Map<string, scheduler.CfnSchedule>();
    for (const entry of props.schedules) {
      const queue = props.queues[entry.queue];
      if (!queue) {
        throw new Error(
          `beat schedule "${entry.name}" targets queue "${entry.queue}", which is not among the queues given (${Object.keys(props.queues).join(', ')})`,
        );
      }
      if (
        !/^(cron\(\S+ \S+ \S+ \S+ \S+ \S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/.test(
          entry.expression,
        )
      ) {
        throw new Error(
          `beat schedule "${entry.name}": "${entry.expression}" is not a Scheduler cron(6 fields) or rate() expression`,
        );
      }
      made.set(
        entry.name,
        new scheduler.CfnSchedule(this, entry.name, {
          name: entry.scheduleName,
          groupName: props.groupName,
          description: `celeriac beat ${entry.name}: ${entry.source} → ${entry.task}`.slice(0, 512),
          scheduleExpression: entry.expression,
          scheduleExpressionTimezone: entry.timezone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: entry.enabled ? 'ENABLED' : 'DISABLED',
          target: {
            arn: queue.queueArn,
            roleArn: props.role.roleArn,
            input: entry.input,
            retryPolicy: {
              maximumRetryAttempts: props.maximumRetryAttempts ?? SCHEDULER_RETRY_POLICY.MaximumRetryAttempts,
              maximumEventAgeInSeconds:
                props.maximumEventAgeInSeconds ?? SCHEDULER_RETRY_POLICY.MaximumEventAgeInSeconds,
            },
            deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
          },
        }),
      );
    }
    this.schedules = made;
  }
}
