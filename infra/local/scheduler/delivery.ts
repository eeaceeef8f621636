import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isTransientAwsError } from '../../../runtime/aws-errors.js';
import type { DeadLetter, Firing, LocalSchedule } from './types.js';

/** What delivering needs: the SQS client and how target ARNs map to queue URLs. */
export interface DeliveryContext {
  readonly sqs: SQSClient;
  readonly resolveQueueUrl: (arn: string) => string | undefined | Promise<string | undefined>;
  readonly now: () => number;
}

/** A failed delivery: whether Scheduler would try again, and what the target answered. */
export interface DeliveryFailure {
  readonly ok: false;
  readonly retryable: boolean;
  readonly code: string;
  readonly message: string;
  /** The Input as it was sent (context attributes substituted). */
  readonly body: string;
}

/** The outcome of one delivery attempt. */
export type DeliveryOutcome = { readonly ok: true; readonly firing: Firing } | DeliveryFailure;

/** Backoff between delivery retries of one firing. */
export interface RetryBackoff {
  readonly baseMs: number;
  readonly capMs: number;
}

/**
 * After a failed delivery (`s.failures` counts it), retry at `retryAt`, or give up with the
 * condition Scheduler reports: a non-retryable error at once, else when the retries exceed
 * `MaximumRetryAttempts` or the next retry would come later than `MaximumEventAgeInSeconds`
 * after the firing time. The wait doubles from `baseMs` up to `capMs`, with jitter (half to all
 * of it).
 *
 * @example
 * ```ts
 * retryDecision(schedule, true, Date.now(), { baseMs: 1000, capMs: 60000 }, Math.random);
 * ```
 */
export function retryDecision(
  s: Pick<LocalSchedule, 'failures' | 'nextAt' | 'Target'>,
  retryable: boolean,
  now: number,
  backoff: RetryBackoff,
  random: () => number,
): { readonly retryAt: number } | { readonly condition: DeadLetter['condition'] } {
  if (!retryable) return { condition: 'NonRetryableError' };
  const policy = s.Target.RetryPolicy ?? {};
  if (s.failures > (policy.MaximumRetryAttempts ?? 185)) return { condition: 'MaximumRetryAttempts' };
  const wait = Math.min(backoff.capMs, backoff.baseMs * 2 ** (s.failures - 1)) * (0.5 + random() / 2);
  const retryAt = now + Math.round(wait);
  const maxAgeMs = (policy.MaximumEventAgeInSeconds ?? 86_400) * 1000;
  if (retryAt - (s.nextAt ?? now) > maxAgeMs) return { condition: 'MaximumEventAgeInSeconds' };
  return { retryAt };
}

/**
 * One delivery of a firing: SendMessage of the target Input, with the `<aws.scheduler.*>`
 * context attributes substituted, to the target queue. A queue that does not exist is a
 * non-retryable failure; an SDK error is retryable when transient (throttle, 5xx, reset).
 *
 * @example
 * ```ts
 * const outcome = await deliver({ sqs, resolveQueueUrl, now: Date.now }, schedule, '2026-12-01T09:00:00Z');
 * ```
 */
export async function deliver(
  ctx: DeliveryContext,
  s: LocalSchedule,
  scheduledTime: string,
): Promise<DeliveryOutcome> {
  const body = (s.Target.Input ?? '{}')
    .replaceAll('<aws.scheduler.scheduled-time>', scheduledTime)
    .replaceAll('<aws.scheduler.schedule-arn>', s.Arn)
    .replaceAll('<aws.scheduler.execution-id>', crypto.randomUUID())
    .replaceAll('<aws.scheduler.attempt-number>', String(s.failures + 1));
  const queueUrl = await ctx.resolveQueueUrl(s.Target.Arn);
  if (!queueUrl) {
    return {
      ok: false,
      retryable: false,
      code: 'AWS.SimpleQueueService.NonExistentQueue',
      message: `The specified queue does not exist: ${s.Target.Arn}`,
      body,
    };
  }
  try {
    await ctx.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    return {
      ok: true,
      firing: { schedule: s.Name, group: s.GroupName, scheduledTime, queueUrl, body, at: ctx.now() },
    };
  } catch (err) {
    const e = err as Error;
    return {
      ok: false,
      retryable: isTransientAwsError(err),
      code: e.name ?? 'Error',
      message: e.message,
      body,
    };
  }
}

/**
 * Send the dead-letter event of a firing given up on to the schedule's DLQ: the Input as
 * delivered, with `ERROR_CODE`, `ERROR_MESSAGE`, `EXHAUSTED_RETRY_CONDITION`, `RETRY_ATTEMPTS`,
 * `SCHEDULE_ARN` and `TARGET_ARN` message attributes. Without a DLQ, or if that send fails, the
 * event is dropped, as in AWS. Returns the record of it.
 *
 * @example
 * ```ts
 * deadLetters.push(await sendDeadLetter(ctx, schedule, scheduledTime, failure, 'MaximumRetryAttempts'));
 * ```
 */
export async function sendDeadLetter(
  ctx: DeliveryContext,
  s: LocalSchedule,
  scheduledTime: string,
  failure: DeliveryFailure,
  condition: DeadLetter['condition'],
): Promise<DeadLetter> {
  const dlqArn = s.Target.DeadLetterConfig?.Arn;
  const dlqUrl = dlqArn ? await ctx.resolveQueueUrl(dlqArn) : undefined;
  let sentToDlq = false;
  if (dlqUrl) {
    const attr = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      await ctx.sqs.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: failure.body,
          MessageAttributes: {
            ERROR_CODE: attr(failure.code),
            ERROR_MESSAGE: attr(failure.message.slice(0, 1000) || failure.code),
            EXHAUSTED_RETRY_CONDITION: attr(condition),
            RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(Math.max(0, s.failures - 1)) },
            SCHEDULE_ARN: attr(s.Arn),
            TARGET_ARN: attr(s.Target.Arn),
          },
        }),
      );
      sentToDlq = true;
    } catch {
      // As in AWS: a dead-letter event that cannot be delivered is dropped.
    }
  }
  return {
    schedule: s.Name,
    group: s.GroupName,
    scheduledTime,
    condition,
    errorCode: failure.code,
    errorMessage: failure.message,
    attempts: s.failures,
    sentToDlq,
    body: failure.body,
  };
}
