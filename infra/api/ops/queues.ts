import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { packSqsBatches } from '../../../runtime/batching.js';
import type { CeleriacClient, QueuePlan, ResourcePlan } from '../../../runtime/internal.js';
import { utf8Bytes } from '../../../runtime/json.js';
import { ApiError, ApiErrorCode } from '../errors.js';

/** Approximate message counts of one SQS queue. */
export interface QueueCounts {
  /** Waiting to be received. */
  readonly visible: number;
  /** Received, not yet deleted (being worked on, or hidden for a retry backoff). */
  readonly inFlight: number;
  /** Sent with a delay that has not passed. */
  readonly delayed: number;
}

/** A plan queue with its counts and its DLQ's. */
export interface QueueStatus {
  readonly name: string;
  readonly queueName: string;
  readonly dlqName: string;
  readonly tasks: readonly string[];
  readonly counts: QueueCounts;
  readonly dlq: QueueCounts;
}

/** Which of a queue's two SQS queues an operation targets. */
export type QueueTarget = 'queue' | 'dlq';

/**
 * The plan queue of a logical name.
 *
 * @throws ApiError 404 naming the known queues.
 */
export function planQueue(plan: ResourcePlan, name: string): QueuePlan {
  const queue = plan.queues.find((q) => q.name === name);
  if (!queue) {
    throw new ApiError(
      404,
      'UNKNOWN_QUEUE',
      `queue "${name}" is not in the plan; queues: ${plan.queues.map((q) => q.name).join(', ')}`,
    );
  }
  return queue;
}

/**
 * Approximate counts of one queue (GetQueueAttributes).
 *
 * @example
 * ```ts
 * const { visible } = await queueCounts(client, client.queue('default').dlqUrl);
 * ```
 */
export async function queueCounts(client: CeleriacClient, url: string): Promise<QueueCounts> {
  const out = await client.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/**
 * Depth, in-flight, delayed and DLQ counts of every plan queue.
 *
 * @example
 * ```ts
 * for (const q of await queueStatuses(client, plan)) console.log(q.name, q.counts.visible, q.dlq.visible);
 * ```
 */
export async function queueStatuses(client: CeleriacClient, plan: ResourcePlan): Promise<QueueStatus[]> {
  return Promise.all(
    plan.queues.map(async (q) => {
      const urls = client.queue(q.name);
      const [counts, dlq] = await Promise.all([
        queueCounts(client, urls.url),
        queueCounts(client, urls.dlqUrl),
      ]);
      return { name: q.name, queueName: q.queueName, dlqName: q.dlqName, tasks: q.tasks, counts, dlq };
    }),
  );
}

/** Options of {@link redrive}. */
export interface RedriveOptions {
  /** Move at most this many messages. @default 1000 */
  readonly max?: number;
  /** Stop starting new batches after this long (an API call must answer in time). @default 20 s */
  readonly budgetMs?: number;
  /** Called after each batch with the running totals. */
  readonly onProgress?: (progress: RedriveResult) => void;
}

/** What a redrive did. */
export interface RedriveResult {
  readonly moved: number;
  /** Messages the source queue refused; they stay in the DLQ and reappear there. */
  readonly failed: number;
  /** True when the DLQ may still hold messages (the max or the time budget stopped it). */
  readonly more: boolean;
}

/** Attributes the worker adds when it dead-letters a message: they describe that failure, not the task. */
const DEAD_LETTER_ATTRIBUTE = /^celeriac-(error-|source-queue|failed-at|receive-count)/;

/**
 * Move messages from a queue's DLQ back to the queue: receive from the DLQ, send the same
 * bodies to the source queue in batches packed to SQS's limits (10 entries, 1 MiB), then delete from the DLQ only what was sent. A
 * message is never lost; if a delete fails after its send, it may run twice (at least once).
 *
 * Only dead letters that were there when the redrive began are moved: a message that reached
 * the DLQ after that (say a redriven task that failed again at once), or a body already moved
 * in this run, is left where it is, so a redrive always ends. SQS's own
 * `StartMessageMoveTask` is not used because the local SQS server lacks it.
 *
 * @example
 * ```ts
 * const { moved } = await redrive(client, 'default', { onProgress: (p) => console.log(p.moved) });
 * ```
 */
export async function redrive(
  client: CeleriacClient,
  name: string,
  options: RedriveOptions = {},
): Promise<RedriveResult> {
  const { url, dlqUrl } = client.queue(name);
  const max = options.max ?? 1_000;
  if (!Number.isInteger(max) || max < 1 || max > 100_000) {
    throw new ApiError(
      400,
      ApiErrorCode.BAD_REQUEST,
      `max: got ${max}; allowed: an integer from 1 to 100000`,
    );
  }
  const startedAt = Date.now();
  const deadline = startedAt + (options.budgetMs ?? 20_000);
  const movedBodies = new Set<string>();
  const skipped: Message[] = [];
  let moved = 0;
  let failed = 0;
  let drained = false;
  let emptyPolls = 0;
  while (moved + failed < max && Date.now() < deadline) {
    const out = await client.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - moved - failed),
        // A short poll may miss messages on some SQS hosts: confirm "empty" with a long poll.
        WaitTimeSeconds: emptyPolls > 0 ? 1 : 0,
        // Messages left alone (see below) are released at the end, or reappear after this.
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const messages: Message[] = [];
    for (const m of out.Messages ?? []) {
      const fresh =
        Number(m.Attributes?.SentTimestamp ?? 0) >= startedAt || movedBodies.has(digest(m.Body ?? ''));
      (fresh ? skipped : messages).push(m);
    }
    if (messages.length === 0) {
      if (++emptyPolls >= 2) {
        drained = true;
        break;
      }
      continue;
    }
    emptyPolls = 0;
    // Ten dead letters of up to 1 MiB each do not fit one send: pack batches to SQS's limits.
    for (const batch of packSqsBatches(messages, messageBytes)) {
      const entries = batch.map((m, i) => ({
        Id: String(i),
        MessageBody: m.Body ?? '',
        MessageAttributes: keepAttributes(m.MessageAttributes),
      }));
      const sent = await client.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      const ok = (sent.Successful ?? []).map((s) => batch[Number(s.Id)]!);
      failed += sent.Failed?.length ?? 0;
      if (ok.length) {
        await client.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: ok.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
      for (const m of ok) movedBodies.add(digest(m.Body ?? ''));
      moved += ok.length;
    }
    options.onProgress?.({ moved, failed, more: true });
  }
  await release(client, dlqUrl, skipped);
  return { moved, failed, more: !drained };
}

/** Make messages this redrive received but left alone visible again at once (best effort). */
async function release(client: CeleriacClient, dlqUrl: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await client.sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: dlqUrl,
          Entries: messages
            .slice(i, i + 10)
            .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      )
      .catch(() => undefined); // They reappear after the receive's visibility timeout anyway.
  }
}

/** What SQS counts toward a message's size: its body and the attributes redrive keeps. */
function messageBytes(m: Message): number {
  let bytes = utf8Bytes(m.Body ?? '');
  for (const [key, v] of Object.entries(keepAttributes(m.MessageAttributes) ?? {})) {
    bytes += utf8Bytes(key) + utf8Bytes(v.DataType ?? '');
    bytes += v.StringValue !== undefined ? utf8Bytes(v.StringValue) : (v.BinaryValue?.byteLength ?? 0);
  }
  return bytes;
}

function digest(body: string): string {
  return createHash('sha256').update(body).digest('base64');
}

function keepAttributes(
  attrs: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (!attrs) return undefined;
  const kept = Object.entries(attrs)
    .filter(([key]) => !DEAD_LETTER_ATTRIBUTE.test(key))
    .map(([key, v]) => [
      key,
      {
        DataType: v.DataType,
        ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
        ...(v.BinaryValue !== undefined ? { BinaryValue: v.BinaryValue } : {}),
      },
    ]);
  return kept.length ? Object.fromEntries(kept) : undefined;
}

/**
 * Delete every message of a queue or of its DLQ (PurgeQueue: at most once a minute per queue).
 *
 * @example
 * ```ts
 * await purge(client, 'default', 'dlq');
 * ```
 */
export async function purge(client: CeleriacClient, name: string, target: QueueTarget): Promise<void> {
  const urls = client.queue(name);
  await client.sqs.send(new PurgeQueueCommand({ QueueUrl: target === 'dlq' ? urls.dlqUrl : urls.url }));
}
