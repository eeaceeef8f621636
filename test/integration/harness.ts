import { randomBytes } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { type QueueCounts, queueCounts as readQueueCounts } from '../../infra/api/ops/queues.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack.js';
import type { Registry, TaskRecord } from '../../runtime/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** A fresh resource-name prefix. */
export function newPrefix(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

/** A local stack on the shared servers, with a fresh prefix so tests never share resources. */
export async function localStack(
  registry: Registry,
  prefix = newPrefix(),
  extra: Pick<LocalStackOptions, 'schedulerNow' | 'faults'> = {},
): Promise<LocalStack> {
  return startLocalStack({
    ...extra,
    registry,
    plan: { prefix },
    endpoints: { sqs: inject('sqsEndpoint'), dynamodb: inject('dynamodbEndpoint') },
  });
}

/** Poll until `check` returns a value other than undefined, or fail after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Wait until a task's record reaches one of `states`. */
export function waitForState(
  stack: LocalStack,
  id: string,
  states: readonly string[],
  timeoutMs = 20_000,
): Promise<TaskRecord> {
  return eventually(
    async () => {
      const rec = await stack.client.results.get(id);
      return rec && states.includes(rec.state) ? rec : undefined;
    },
    timeoutMs,
    `task ${id} to reach ${states.join('|')}`,
  );
}

/** Approximate visible + in-flight + delayed counts of a queue (the API's own reader). */
export function queueCounts(stack: LocalStack, url: string): Promise<QueueCounts> {
  return readQueueCounts(stack.client, url);
}

/** Receive (and leave in flight briefly) what sits in a DLQ. */
export async function receiveAll(stack: LocalStack, url: string) {
  const out = await stack.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 1,
    }),
  );
  return out.Messages ?? [];
}
