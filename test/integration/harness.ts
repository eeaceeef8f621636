import { randomBytes } from 'node:crypto';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { type QueueCounts, queueCounts as readQueueCounts } from '../../infra/api/ops/queues.js';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack.js';
import {
  type BatchResponse,
  CeleriacClient,
  type Registry,
  type TaskRecord,
  type WorkerHandler,
} from '../../runtime/internal.js';

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

/**
 * A client straight to the stack's servers (SQS, DynamoDB, the local Scheduler), around the
 * fault proxy when the stack has one: the test observes through it while the runtime gets the
 * faults.
 */
export function observerClient(stack: LocalStack): CeleriacClient {
  return new CeleriacClient({
    config: {
      ...stack.config,
      endpoints: { ...stack.config.endpoints, scheduler: stack.scheduler.endpoint },
    },
    sqs: stack.sqs,
    dynamodb: stack.dynamodb,
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

/** What the worker answered for one delivery of a message: deleted (done) or reported as failed. */
export type DeliveryOutcome = 'done' | 'failed';

/** A worker handler that records, per envelope id, each delivery it has finished handling. */
export interface ProbedWorker {
  /** Pass to `startWorkers({ handler })`, or invoke directly. */
  readonly handler: WorkerHandler;
  /** The outcomes of the deliveries of this id the worker has finished, in order. */
  outcomes(id: string): readonly DeliveryOutcome[];
  /**
   * Resolve once the worker has returned from `deliveries` deliveries of this id: its decision
   * (run, skip, record, continue the workflow) is complete. The positive signal to wait for
   * before asserting that something did not happen.
   */
  handled(id: string, deliveries?: number, timeoutMs?: number): Promise<readonly DeliveryOutcome[]>;
}

/** The envelope id of a message body, or undefined when it is not an envelope. */
function envelopeId(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Wrap a worker handler so tests can wait for it to have handled a given message. */
export function probeWorker(handler: WorkerHandler): ProbedWorker {
  const seen = new Map<string, DeliveryOutcome[]>();
  const outcomes = (id: string) => seen.get(id) ?? [];
  return {
    async handler(event, context) {
      let response: BatchResponse | undefined;
      try {
        response = await handler(event, context);
        return response;
      } finally {
        // A thrown handler fails its whole batch, as Lambda does.
        const failed = new Set(
          response
            ? response.batchItemFailures.map((f) => f.itemIdentifier)
            : event.Records.map((r) => r.messageId),
        );
        for (const r of event.Records) {
          const id = envelopeId(r.body) ?? r.messageId;
          seen.set(id, [...outcomes(id), failed.has(r.messageId) ? 'failed' : 'done']);
        }
      }
    },
    outcomes,
    handled(id, deliveries = 1, timeoutMs = 20_000) {
      return eventually(
        async () => (outcomes(id).length >= deliveries ? outcomes(id) : undefined),
        timeoutMs,
        `the worker to finish ${deliveries} deliver${deliveries === 1 ? 'y' : 'ies'} of ${id}`,
      );
    },
  };
}

/** Wait until a queue holds nothing: no visible, in-flight or delayed message (every delivery deleted). */
export function drained(stack: LocalStack, url: string, timeoutMs = 20_000): Promise<true> {
  return eventually(
    async () => {
      const c = await readQueueCounts(stack.client, url);
      return c.visible + c.inFlight + c.delayed === 0 ? true : undefined;
    },
    timeoutMs,
    `queue ${url.slice(url.lastIndexOf('/') + 1)} to drain`,
  );
}

/**
 * Receive and delete every message of a queue that has no worker, until its counts read zero, and
 * return them: a test empties a shared queue before it starts, and takes back what it put there.
 */
export async function takeAll(stack: LocalStack, url: string, timeoutMs = 20_000): Promise<Message[]> {
  const taken: Message[] = [];
  await eventually(
    async () => {
      const out = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      const messages = out.Messages ?? [];
      if (messages.length) {
        await stack.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
        taken.push(...messages);
        return undefined;
      }
      const c = await readQueueCounts(stack.client, url);
      return c.visible + c.inFlight + c.delayed === 0 ? true : undefined;
    },
    timeoutMs,
    `queue ${url.slice(url.lastIndexOf('/') + 1)} to be emptied`,
  );
  return taken;
}
