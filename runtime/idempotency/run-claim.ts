import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CeleriacClient } from '../client.js';
import type { Json } from '../json.js';
import { ResultsSchema } from '../results/schema.js';

/** Key of a task's run-once claim in the results table. */
export const claimKey = (taskId: string): string => `once#${taskId}`;

/** The outcome of {@link claimRun}. */
export type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'completed'; readonly result: Json }
  | { readonly kind: 'in-progress'; readonly untilMs: number };

const STATUS = { IN_PROGRESS: 'INPROGRESS', COMPLETED: 'COMPLETED' } as const;

/**
 * Claim the right to run a task id once (the Powertools idempotency pattern): one conditional
 * `PutItem` succeeding when there is no record, the record expired, or a previous claim is
 * still INPROGRESS past its in-progress expiry (the worker that held it died; the expiry is the
 * Lambda's deadline). Otherwise returns the stored result (COMPLETED) or when the running claim
 * expires (INPROGRESS).
 *
 * @example
 * ```ts
 * const claim = await claimRun(client, env.id, deadline, ttlMs);
 * if (claim.kind === 'completed') return claim.result;
 * ```
 */
export async function claimRun(
  client: CeleriacClient,
  taskId: string,
  inProgressUntilMs: number,
  ttlMs: number,
): Promise<Claim> {
  const now = client.now();
  try {
    await client.dynamodb.send(
      new PutItemCommand({
        TableName: client.config.table,
        Item: marshall({
          id: claimKey(taskId),
          kind: 'run-once',
          status: STATUS.IN_PROGRESS,
          inProgressExpiry: inProgressUntilMs,
          [ResultsSchema.ttlAttribute]: Math.ceil((now + ttlMs) / 1000),
        }),
        ConditionExpression:
          'attribute_not_exists(#id) OR #exp < :nowS OR (#status = :inprogress AND #ipe < :nowMs)',
        ExpressionAttributeNames: {
          '#id': 'id',
          '#exp': ResultsSchema.ttlAttribute,
          '#status': 'status',
          '#ipe': 'inProgressExpiry',
        },
        ExpressionAttributeValues: marshall({
          ':nowS': Math.floor(now / 1000),
          ':nowMs': now,
          ':inprogress': STATUS.IN_PROGRESS,
        }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { kind: 'claimed' };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    const old = err.Item ? unmarshall(err.Item) : {};
    if (old.status === STATUS.COMPLETED) {
      return { kind: 'completed', result: JSON.parse(String(old.result ?? 'null')) as Json };
    }
    return { kind: 'in-progress', untilMs: Number(old.inProgressExpiry ?? now) };
  }
}

/** Mark a claim COMPLETED with the result, returned to later duplicates. */
export async function completeRun(client: CeleriacClient, taskId: string, result: Json): Promise<void> {
  await client.dynamodb.send(
    new UpdateItemCommand({
      TableName: client.config.table,
      Key: { id: { S: claimKey(taskId) } },
      UpdateExpression: 'SET #status = :done, #result = :result REMOVE #ipe',
      ExpressionAttributeNames: { '#status': 'status', '#result': 'result', '#ipe': 'inProgressExpiry' },
      ExpressionAttributeValues: marshall({ ':done': STATUS.COMPLETED, ':result': JSON.stringify(result) }),
    }),
  );
}

/** Drop a claim after a failed attempt, so the retry may run. */
export async function releaseRun(client: CeleriacClient, taskId: string): Promise<void> {
  await client.dynamodb.send(
    new DeleteItemCommand({ TableName: client.config.table, Key: { id: { S: claimKey(taskId) } } }),
  );
}
