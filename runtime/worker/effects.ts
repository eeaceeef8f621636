import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { groupBy, packSqsBatches } from '../batching.js';
import { Limits } from '../constants.js';
import type { SerializedError } from '../results/record.js';
import { sendMessageBatches } from '../send-batch.js';
import type { SqsRecord } from './types.js';

/** A record and the queue it came from. */
export interface Located {
  readonly record: SqsRecord;
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/**
 * Hide records for their backoff delay, in `ChangeMessageVisibilityBatch` calls. Returns the
 * message ids whose change failed (they come back after the queue's own visibility timeout).
 */
export async function delayRecords(
  sqs: SQSClient,
  items: readonly (Located & { delayMs: number })[],
): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const [queueUrl, list] of groupBy(items, (i) => i.queueUrl)) {
    for (const batch of packSqsBatches(list, () => 0)) {
      try {
        const out = await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((item, i) => ({
              Id: String(i),
              ReceiptHandle: item.record.receiptHandle,
              VisibilityTimeout: Math.min(Limits.SQS_MAX_VISIBILITY_SECONDS, Math.ceil(item.delayMs / 1000)),
            })),
          }),
        );
        for (const f of out.Failed ?? []) failed.add(batch[Number(f.Id)]!.record.messageId);
      } catch {
        for (const item of batch) failed.add(item.record.messageId);
      }
    }
  }
  return failed;
}

function attr(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value.slice(0, 1_000) || '-' };
}

/**
 * Copy records to their DLQ, unchanged body plus attributes saying why, in `SendMessageBatch`
 * calls. Returns the message ids that could not be copied: those must not be deleted.
 */
export async function deadLetterRecords(
  sqs: SQSClient,
  items: readonly (Located & { error: SerializedError })[],
  now: number,
): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const [dlqUrl, list] of groupBy(items, (i) => i.dlqUrl)) {
    const failures = await sendMessageBatches(sqs, dlqUrl, list, (item) => ({
      body: item.record.body,
      attributes: {
        'celeriac-error-type': attr(item.error.type),
        'celeriac-error-message': attr(item.error.message),
        'celeriac-source-queue': attr(item.queueUrl),
        'celeriac-failed-at': attr(new Date(now).toISOString()),
        'celeriac-receive-count': attr(item.record.attributes.ApproximateReceiveCount),
        'celeriac-message-id': attr(item.record.messageId),
      },
    }));
    for (const f of failures) failed.add(f.item.record.messageId);
  }
  return failed;
}

/**
 * Replace records by fresh copies delayed by `delayMs` (at most 15 min; a longer wait is
 * re-checked then), in `SendMessageBatch` calls. Returns the message ids whose copy failed:
 * those must not be deleted.
 */
export async function resendRecords(
  sqs: SQSClient,
  items: readonly (Located & { delayMs: number; body: string })[],
): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const [queueUrl, list] of groupBy(items, (i) => i.queueUrl)) {
    const failures = await sendMessageBatches(sqs, queueUrl, list, (item) => ({
      body: item.body,
      delaySeconds: Math.min(Limits.SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(item.delayMs / 1000))),
    }));
    for (const f of failures) failed.add(f.item.record.messageId);
  }
  return failed;
}

/**
 * Delete records from their queue now, in `DeleteMessageBatch` calls, rather than when the
 * invocation returns: a dead-lettered message must not come back if the batch then times out.
 * Best effort: what is not deleted here is deleted by the event source as usual.
 */
export async function deleteRecords(sqs: SQSClient, items: readonly Located[]): Promise<void> {
  for (const [queueUrl, list] of groupBy(items, (i) => i.queueUrl)) {
    for (const batch of packSqsBatches(list, () => 0)) {
      await sqs
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((item, i) => ({ Id: String(i), ReceiptHandle: item.record.receiptHandle })),
          }),
        )
        .catch(() => undefined);
    }
  }
}
