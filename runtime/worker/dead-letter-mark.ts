import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { CeleriacClient } from '../client.js';
import { Limits } from '../constants.js';
import { ResultsSchema } from '../results/schema.js';

/**
 * Key of the mark saying an SQS message was copied to its DLQ. A message's id is the same on
 * every delivery of it (a redrive from the DLQ makes a new message), so the mark tells a
 * redelivery — after a batch that timed out once its dead-letter copy was sent — not to run or
 * copy it again.
 */
export const deadLetterKey = (messageId: string): string => `dlq#${messageId}`;

/** Marks outlive the longest a message can live in its source queue (14 days), by a day. */
const MARK_TTL_SECONDS = Limits.SQS_MAX_RETENTION_SECONDS + 86_400;

/**
 * True when this message was already copied to its DLQ (one consistent GetItem).
 *
 * @example
 * ```ts
 * if (await wasDeadLettered(client, record.messageId)) acknowledge(record);
 * ```
 */
export async function wasDeadLettered(client: CeleriacClient, messageId: string): Promise<boolean> {
  const out = await client.dynamodb.send(
    new GetItemCommand({
      TableName: client.config.table,
      Key: { id: { S: deadLetterKey(messageId) } },
      ConsistentRead: true,
      ProjectionExpression: 'id',
    }),
  );
  return out.Item !== undefined;
}

/**
 * Mark a message as copied to its DLQ (one PutItem, expiring with the table's TTL).
 *
 * @example
 * ```ts
 * await markDeadLettered(client, record.messageId);
 * ```
 */
export async function markDeadLettered(client: CeleriacClient, messageId: string): Promise<void> {
  await client.dynamodb.send(
    new PutItemCommand({
      TableName: client.config.table,
      Item: {
        id: { S: deadLetterKey(messageId) },
        kind: { S: 'dead-letter' },
        [ResultsSchema.ttlAttribute]: { N: String(Math.ceil(client.now() / 1000) + MARK_TTL_SECONDS) },
      },
    }),
  );
}
