import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { CeleriacClient } from '../client.js';
import { ResultsSchema } from '../results/schema.js';

/** The outcome of {@link claimIdempotencyKey}. */
export type KeyClaim =
  | { readonly first: true; readonly id: string }
  | { readonly first: false; readonly id: string };

/** The hash of a task's key, shared by its claim item's key and the task id it hands out. */
const keyHash = (task: string, key: string) =>
  createHash('sha256').update(`${task}\0${key}`).digest('hex').slice(0, 40);

/**
 * Claim an enqueue idempotency key for `windowMs`: the task id is derived from the task name,
 * the key and the window it starts in (`idem-<hash>-<n>`), and a conditional `PutItem` on
 * `idem#<task>#<hash>` (absent or expired) makes the first enqueue the only one that sends;
 * a second enqueue within the window gets the first one's id back, without sending.
 *
 * @example
 * ```ts
 * const claim = await claimIdempotencyKey(client, 'charge', 'order-42', 86_400_000);
 * ```
 */
export async function claimIdempotencyKey(
  client: CeleriacClient,
  task: string,
  key: string,
  windowMs: number,
): Promise<KeyClaim> {
  const now = client.now();
  const hash = keyHash(task, key);
  const id = `idem-${hash}-${Math.floor(now / windowMs).toString(36)}`;
  try {
    await client.dynamodb.send(
      new PutItemCommand({
        TableName: client.config.table,
        Item: {
          id: { S: `idem#${task}#${hash}` },
          kind: { S: 'idempotency-key' },
          taskId: { S: id },
          [ResultsSchema.ttlAttribute]: { N: String(Math.ceil((now + windowMs) / 1000)) },
        },
        ConditionExpression: 'attribute_not_exists(#id) OR #exp <= :now',
        ExpressionAttributeNames: { '#id': 'id', '#exp': ResultsSchema.ttlAttribute },
        ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { first: true, id };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    return { first: false, id: err.Item?.taskId?.S ?? id };
  }
}

/** Give a key back after the send failed, so a retry of the enqueue can send. */
export async function releaseIdempotencyKey(
  client: CeleriacClient,
  task: string,
  key: string,
): Promise<void> {
  const hash = keyHash(task, key);
  await client.dynamodb.send(
    new DeleteItemCommand({ TableName: client.config.table, Key: { id: { S: `idem#${task}#${hash}` } } }),
  );
}
