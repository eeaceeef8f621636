import type { CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type CeleriacClient, getDefaultClient } from '../client.js';
import type { CeleriacConfig } from '../config.js';
import { decodeEnvelope } from '../envelope.js';
import { CeleriacError, ErrorCode } from '../errors.js';
import { TaskHandle } from '../handle.js';
import type { SchedulePlan } from '../plan.js';
import type { Registry } from '../registry.js';
import { beatInput } from './beat.js';
import { queueArn, requireScheduler, SCHEDULER_RETRY_POLICY } from './one-time.js';

/**
 * Run a periodic task now, by hand (`celeriac cron run-now`): sends the same envelope a firing
 * would, with the current time as its scheduled time (so its id is new).
 *
 * @throws CeleriacError `UNKNOWN_SCHEDULE` naming the declared schedules.
 * @example
 * ```ts
 * const handle = await runScheduleNow(registry, 'daily-report', { client });
 * await handle.result();
 * ```
 */
export async function runScheduleNow(
  registry: Registry,
  name: string,
  options: { readonly client?: CeleriacClient } = {},
): Promise<TaskHandle<unknown>> {
  const client = options.client ?? getDefaultClient();
  const entry = registry.schedules.get(name);
  if (!entry) {
    throw new CeleriacError(
      ErrorCode.UNKNOWN_SCHEDULE,
      `no schedule "${name}"; declared: ${[...registry.schedules.keys()].join(', ') || '(none)'}`,
      { value: name, allowed: [...registry.schedules.keys()].join(', ') },
    );
  }
  const at = new Date(client.now()).toISOString();
  const body = beatInput(entry, at);
  const decoded = decodeEnvelope(body);
  if (!decoded.ok) throw new CeleriacError(ErrorCode.MALFORMED_MESSAGE, decoded.message);
  await client.sqs.send(
    new SendMessageCommand({ QueueUrl: client.queue(entry.queue).url, MessageBody: body }),
  );
  return new TaskHandle(decoded.envelope.id, entry.task.name, client);
}

/**
 * The `CreateSchedule` request for one beat entry of the plan (what the CDK construct deploys,
 * and what the local stack creates): the translated expression in its time zone, no flexible
 * window, the queue as target with the envelope template as Input, Scheduler's retry policy and
 * the scheduler DLQ.
 *
 * @example
 * ```ts
 * await client.scheduler.send(new CreateScheduleCommand(beatScheduleRequest(plan.schedules[0], config)));
 * ```
 */
export function beatScheduleRequest(
  schedule: SchedulePlan,
  config: CeleriacConfig,
): CreateScheduleCommandInput {
  const scheduler = requireScheduler(config, `schedule "${schedule.name}"`);
  return {
    Name: schedule.scheduleName,
    GroupName: scheduler.group,
    ScheduleExpression: schedule.expression,
    ScheduleExpressionTimezone: schedule.timezone,
    FlexibleTimeWindow: { Mode: 'OFF' },
    State: schedule.enabled ? 'ENABLED' : 'DISABLED',
    Description: `celeriac beat ${schedule.name}: ${schedule.source} → ${schedule.task}`.slice(0, 512),
    Target: {
      Arn: queueArn(config, schedule.queue),
      RoleArn: scheduler.roleArn,
      Input: schedule.input,
      RetryPolicy: { ...SCHEDULER_RETRY_POLICY },
      ...(scheduler.dlqArn ? { DeadLetterConfig: { Arn: scheduler.dlqArn } } : {}),
    },
  };
}
