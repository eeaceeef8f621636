import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-scheduler';
import { isTransientAwsError } from '../aws-errors.js';
import type { CeleriacClient } from '../client.js';
import type { CeleriacConfig } from '../config.js';
import type { Envelope } from '../envelope.js';
import { CeleriacError, ErrorCode, invalid } from '../errors.js';
import { utf8Bytes } from '../json.js';
import { withThrottleRetry } from '../results/throttle.js';
import { mapLimit } from '../worker/pool.js';

/** The longest delay or eta accepted: one year. */
export const MAX_DELAY_MS = 365 * 86_400_000;
/** EventBridge Scheduler's limit on a target's Input. */
export const SCHEDULER_MAX_INPUT_BYTES = 262_144;
/** Scheduler retries of a failed delivery (its maximum) and how long it keeps trying (24 h). */
export const SCHEDULER_RETRY_POLICY = {
  MaximumRetryAttempts: 185,
  MaximumEventAgeInSeconds: 86_400,
} as const;

/**
 * How `scheduleEnvelope` retries a transient Scheduler failure (throttle, 5xx, dropped
 * connection) after the SDK's own attempts: this many tries in all, with full-jitter exponential
 * backoff from `baseMs`, each wait at most `capMs`.
 */
export const SCHEDULE_RETRY = { attempts: 5, baseMs: 200, capMs: 5_000 } as const;
/** CreateSchedule calls in flight at once for one batch of long-delayed envelopes. */
export const SCHEDULE_CONCURRENCY = 8;

const NAME_OK = /^[0-9a-zA-Z_.-]{1,62}$/;
/** Scheduler's rule for a ClientToken: 1–64 of `a-zA-Z0-9-_` (no `.`, unlike names). */
export const CLIENT_TOKEN_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * The one-time schedule's name for a task id: `t-<id>` when the id fits Scheduler's rules
 * (64 characters of `0-9a-zA-Z-_.`), else `h-<sha256 of the id>`. Deterministic, so revoking by
 * id deletes it without a lookup, and creating it twice is detected.
 *
 * @example
 * ```ts
 * scheduleNameFor('3f1c2a…'); // 't-3f1c2a…'
 * ```
 */
export function scheduleNameFor(taskId: string): string {
  return NAME_OK.test(taskId)
    ? `t-${taskId}`
    : `h-${createHash('sha256').update(taskId).digest('hex').slice(0, 62)}`;
}

/**
 * The CreateSchedule `ClientToken` for a schedule name: the name's SHA-256 in base64url
 * (43 characters of `a-zA-Z0-9-_`). Names may hold `.`, which tokens may not; the same name always
 * gives the same token, so a create retried after a lost answer is the same request to Scheduler.
 *
 * @example
 * ```ts
 * clientTokenFor('t-order.42'); // 'mQ1x…' (43 characters)
 * ```
 */
export function clientTokenFor(scheduleName: string): string {
  return createHash('sha256').update(scheduleName).digest('base64url');
}

/**
 * The AWS partition of a region: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, the ISO
 * partitions for theirs, else `aws`.
 *
 * @example
 * ```ts
 * partitionOf('cn-north-1'); // 'aws-cn'
 * ```
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  const iso = /^([a-z]{2})-iso([a-z]?)-/.exec(region);
  if (iso) return iso[2] ? `aws-iso-${iso[2]}` : 'aws-iso';
  return 'aws';
}

/**
 * The ARN of a configured queue: `config.queues[name].arn`, else derived from its URL
 * (`https://sqs.<region>.amazonaws.com/<account>/<name>` → `arn:<partition>:sqs:<region>:<account>:<name>`,
 * the partition read from the region, see {@link partitionOf}).
 *
 * @example
 * ```ts
 * queueArn(config, 'default');
 * ```
 */
export function queueArn(config: CeleriacConfig, queue: string): string {
  const q = config.queues[queue];
  if (!q) {
    throw new CeleriacError(ErrorCode.UNKNOWN_QUEUE, `queue "${queue}" is not in the config`, {
      value: queue,
    });
  }
  if (q.arn) return q.arn;
  const parts = new URL(q.url).pathname.split('/').filter(Boolean);
  const [account, name] = parts.length >= 2 ? [parts[parts.length - 2], parts[parts.length - 1]] : [];
  if (!account || !name) {
    throw invalid(
      ErrorCode.CONFIG_INVALID,
      `queue "${queue}" url`,
      q.url,
      'a URL ending in /<account>/<name>, or set queues.<name>.arn',
    );
  }
  return `arn:${partitionOf(config.region)}:sqs:${config.region}:${account}:${name}`;
}

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second. */
export function atExpression(epochMs: number): string {
  return `at(${new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/**
 * The exact `CreateSchedule` request for delivering `body` to the envelope's queue at its eta:
 * a one-time `at()` schedule in UTC, no flexible window, deleted after it fires, with
 * Scheduler's own retry policy and the configured dead-letter queue.
 *
 * @throws CeleriacError `SCHEDULER_NOT_CONFIGURED` or `PAYLOAD_TOO_LARGE` (Input over 256 KB).
 * @example
 * ```ts
 * const input = oneTimeScheduleRequest(client.config, envelope, body);
 * ```
 */
export function oneTimeScheduleRequest(
  config: CeleriacConfig,
  envelope: Envelope,
  body: string,
): CreateScheduleCommandInput {
  const scheduler = requireScheduler(config, `task "${envelope.task}" delay`);
  const bytes = utf8Bytes(body);
  if (bytes > SCHEDULER_MAX_INPUT_BYTES) {
    throw new CeleriacError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `task "${envelope.task}" message is ${bytes} bytes; a delay over 15 min goes through EventBridge Scheduler, whose input allows at most ${SCHEDULER_MAX_INPUT_BYTES} bytes. Store large inputs elsewhere (S3) and pass a reference.`,
      { value: bytes, allowed: `<= ${SCHEDULER_MAX_INPUT_BYTES} bytes for delays over 15 min` },
    );
  }
  const name = scheduleNameFor(envelope.id);
  return {
    Name: name,
    GroupName: scheduler.group,
    ScheduleExpression: atExpression(envelope.eta ?? envelope.enqueuedAt),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Description: `celeriac ${envelope.task} ${envelope.id}`.slice(0, 512),
    ClientToken: clientTokenFor(name),
    Target: {
      Arn: queueArn(config, envelope.queue),
      RoleArn: scheduler.roleArn,
      Input: body,
      RetryPolicy: { ...SCHEDULER_RETRY_POLICY },
      ...(scheduler.dlqArn ? { DeadLetterConfig: { Arn: scheduler.dlqArn } } : {}),
    },
  };
}

/** `config.scheduler`, or a clear error naming what needs it. */
export function requireScheduler(
  config: CeleriacConfig,
  what: string,
): NonNullable<CeleriacConfig['scheduler']> {
  if (config.scheduler) return config.scheduler;
  throw new CeleriacError(
    ErrorCode.DELAY_TOO_LONG,
    `${what}: over 15 min needs EventBridge Scheduler, and the config has no "scheduler" (group, roleArn); deploy the TaskRuntime (it sets one) or start the local stack`,
    { allowed: 'at most 15 min without config.scheduler' },
  );
}

/** Options of {@link scheduleEnvelope}, for tests. */
export interface ScheduleRetryOptions {
  /** Wait between tries. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for jitter. @default Math.random */
  readonly random?: () => number;
}

/**
 * Deliver an envelope later than SQS's 15-minute DelaySeconds allows, through a one-time
 * EventBridge Scheduler schedule targeting its queue. Never by holding a message. Creating the
 * same task's schedule twice is a no-op (the name is derived from the task id). A transient
 * failure (throttle, 5xx, dropped connection) is tried again with backoff
 * ({@link SCHEDULE_RETRY}); the derived ClientToken makes a retried create idempotent.
 *
 * @throws CeleriacError `SCHEDULE_FAILED` when Scheduler refuses, or still fails after the
 *   retries (its `cause` is the last SDK error; {@link isTransientAwsError} tells which).
 * @example
 * ```ts
 * await scheduleEnvelope(client, envelope, encodeEnvelope(envelope));
 * ```
 */
export async function scheduleEnvelope(
  client: CeleriacClient,
  envelope: Envelope,
  body: string,
  options: ScheduleRetryOptions = {},
): Promise<void> {
  const request = oneTimeScheduleRequest(client.config, envelope, body);
  let tries = 0;
  try {
    await withThrottleRetry(
      () => {
        tries++;
        return client.scheduler.send(new CreateScheduleCommand(request));
      },
      { ...SCHEDULE_RETRY, retryOn: isTransientAwsError, ...options },
    );
  } catch (err) {
    // The schedule exists already (a retried or duplicate create): done.
    if (err instanceof ConflictException || (err as Error)?.name === 'ConflictException') return;
    throw new CeleriacError(
      ErrorCode.SCHEDULE_FAILED,
      `task "${envelope.task}" ${envelope.id} was not scheduled${tries > 1 ? ` (after ${tries} tries)` : ''}: ${String(err)}`,
      { value: envelope.id, cause: err },
    );
  }
}

/**
 * Schedule many envelopes (see {@link scheduleEnvelope}) with at most
 * {@link SCHEDULE_CONCURRENCY} creates in flight. Returns, in input order, `undefined` for each
 * one scheduled and the error for each one not.
 *
 * @example
 * ```ts
 * const errors = await scheduleEnvelopes(client, [{ envelope, body }]);
 * ```
 */
export function scheduleEnvelopes(
  client: CeleriacClient,
  items: readonly { readonly envelope: Envelope; readonly body: string }[],
  concurrency: number = SCHEDULE_CONCURRENCY,
): Promise<(CeleriacError | undefined)[]> {
  return mapLimit(items, concurrency, async ({ envelope, body }) => {
    try {
      await scheduleEnvelope(client, envelope, body);
      return undefined;
    } catch (err) {
      if (err instanceof CeleriacError) return err;
      return new CeleriacError(
        ErrorCode.SCHEDULE_FAILED,
        `task ${envelope.id} was not scheduled: ${String(err)}`,
        {
          value: envelope.id,
          cause: err,
        },
      );
    }
  });
}

/**
 * Delete a delayed task's one-time schedule (revoke). Returns false when there was none (already
 * fired, never long-delayed, or no scheduler configured).
 *
 * @example
 * ```ts
 * await deleteTaskSchedule(client, id);
 * ```
 */
export async function deleteTaskSchedule(client: CeleriacClient, taskId: string): Promise<boolean> {
  const scheduler = client.config.scheduler;
  if (!scheduler) return false;
  try {
    await client.scheduler.send(
      new DeleteScheduleCommand({ Name: scheduleNameFor(taskId), GroupName: scheduler.group }),
    );
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as Error)?.name === 'ResourceNotFoundException')
      return false;
    throw err;
  }
}
