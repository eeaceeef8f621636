import { type MessageAttributeValue, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { packSqsBatches } from './batching.js';
import { utf8Bytes } from './json.js';

/** One message to send. */
export interface OutgoingMessage {
  readonly body: string;
  /** 0-900 s. @default 0 */
  readonly delaySeconds?: number;
  readonly attributes?: Readonly<Record<string, MessageAttributeValue>>;
}

/** An item SQS did not accept, and why. */
export interface SendFailure<T> {
  readonly item: T;
  /** SQS's error code (`RequestFailed` when the whole call failed). */
  readonly code: string;
  readonly message: string;
  /** The error thrown when the whole call failed (a throttle, a 5xx, a dropped connection). */
  readonly cause?: unknown;
}

/** Attempts for entries that failed on SQS's side (throttling, internal errors, a failed call). */
export const SEND_ATTEMPTS = 3;

/**
 * Send items to one queue in `SendMessageBatch` calls (≤ 10 entries and ≤ 1 MiB each), the one
 * loop every sender uses (enqueue, canvas sends, the worker's deferred and dead-letter copies).
 * Entries SQS failed on its side, and whole calls that failed, are retried up to `attempts`
 * times with a short backoff; an entry refused as the sender's fault is not. Returns what was
 * not sent; everything else was accepted once.
 *
 * @example
 * ```ts
 * const failed = await sendMessageBatches(sqs, url, envelopes, (e) => ({ body: e.body }));
 * ```
 */
export async function sendMessageBatches<T>(
  sqs: SQSClient,
  queueUrl: string,
  items: readonly T[],
  toMessage: (item: T) => OutgoingMessage,
  attempts: number = SEND_ATTEMPTS,
): Promise<SendFailure<T>[]> {
  const messages = items.map((item) => ({ item, message: toMessage(item) }));
  const failures: SendFailure<T>[] = [];
  for (const batch of packSqsBatches(messages, ({ message }) => messageBytes(message))) {
    failures.push(...(await sendOneBatch(sqs, queueUrl, batch, attempts)));
  }
  return failures;
}

async function sendOneBatch<T>(
  sqs: SQSClient,
  queueUrl: string,
  batch: readonly { item: T; message: OutgoingMessage }[],
  attempts: number,
): Promise<SendFailure<T>[]> {
  let pending = batch.map((entry, i) => ({ ...entry, id: String(i) }));
  const failures: SendFailure<T>[] = [];
  for (let attempt = 1; pending.length > 0; attempt++) {
    let failed: { Id?: string; SenderFault?: boolean; Code?: string; Message?: string; cause?: unknown }[];
    try {
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: pending.map(({ id, message }) => ({
            Id: id,
            MessageBody: message.body,
            ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
            ...(message.attributes ? { MessageAttributes: { ...message.attributes } } : {}),
          })),
        }),
      );
      failed = out.Failed ?? [];
    } catch (cause) {
      // The whole call failed: nothing from it was accepted, so all of it may be retried.
      failed = pending.map(({ id }) => ({
        Id: id,
        SenderFault: false,
        Code: 'RequestFailed',
        Message: String(cause),
        cause,
      }));
    }
    const retry: typeof pending = [];
    for (const f of failed) {
      const entry = pending.find((p) => p.id === f.Id);
      if (!entry) continue;
      if (!f.SenderFault && attempt < attempts) retry.push(entry);
      else
        failures.push({
          item: entry.item,
          code: f.Code ?? 'Unknown',
          message: f.Message ?? '',
          ...(f.cause !== undefined ? { cause: f.cause } : {}),
        });
    }
    pending = retry;
    if (pending.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
  }
  return failures;
}

function messageBytes(message: OutgoingMessage): number {
  let bytes = utf8Bytes(message.body);
  for (const [name, value] of Object.entries(message.attributes ?? {})) {
    bytes += utf8Bytes(name) + utf8Bytes(value.DataType ?? '') + utf8Bytes(value.StringValue ?? '');
  }
  return bytes;
}
