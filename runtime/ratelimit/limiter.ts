import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { CeleriacClient } from '../client.js';
import { ResultsSchema } from '../results/schema.js';
import type { RateLimitPolicy } from './parse.js';

/** The outcome of {@link acquireSlot}. */
export type Slot = { readonly ok: true } | { readonly ok: false; readonly retryAtMs: number };

/**
 * Take one slot of a fixed-window rate limit shared by every Lambda instance: one conditional
 * `UpdateItem` on the window's item in the results table (`rl#<task>#<key>#<windowStart>`,
 * `ADD n 1` if `n < limit`), expiring with the table's TTL. When the window is full, says when
 * the next one opens. Cost: one write per limited run (and per refused attempt).
 *
 * @example
 * ```ts
 * const slot = await acquireSlot(client, 'send', 'tenant-1', { limit: 100, periodMs: 60_000 });
 * ```
 */
export async function acquireSlot(
  client: CeleriacClient,
  task: string,
  key: string,
  policy: RateLimitPolicy,
): Promise<Slot> {
  const now = client.now();
  const windowStart = Math.floor(now / policy.periodMs) * policy.periodMs;
  try {
    await client.dynamodb.send(
      new UpdateItemCommand({
        TableName: client.config.table,
        Key: { id: { S: `rl#${task}#${key}#${windowStart}` } },
        UpdateExpression: 'ADD #n :one SET #exp = :exp, #kind = :kind',
        ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
        ExpressionAttributeNames: { '#n': 'n', '#exp': ResultsSchema.ttlAttribute, '#kind': 'kind' },
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':limit': { N: String(policy.limit) },
          ':exp': { N: String(Math.ceil((windowStart + policy.periodMs) / 1000) + 3_600) },
          ':kind': { S: 'rate-limit' },
        },
      }),
    );
    return { ok: true };
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException)
      return { ok: false, retryAtMs: windowStart + policy.periodMs };
    throw err;
  }
}
