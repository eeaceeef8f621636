import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mapLimit } from '../worker/pool.js';
import { withThrottleRetry } from './throttle.js';

/** Keys per BatchGetItem request (DynamoDB's limit). */
const KEYS_PER_REQUEST = 100;

/** Options of {@link batchGetByIds}. */
export interface BatchGetOptions {
  /** Strongly consistent reads. @default true */
  readonly consistent?: boolean;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Rounds of re-asking for `UnprocessedKeys` before giving up. @default 10 */
  readonly rounds?: number;
}

/**
 * Read items of the results table by their `id`, 100 keys per BatchGetItem, a few requests in
 * flight, unprocessed keys asked again with backoff. Returns the items found, by id (missing ids
 * are absent from the map).
 *
 * @throws Error when keys stay unprocessed after every round (the table is throttling).
 * @example
 * ```ts
 * const items = await batchGetByIds(dynamodb, table, ['a', 'b']);
 * items.get('a')?.state;
 * ```
 */
export async function batchGetByIds(
  dynamodb: DynamoDBClient,
  table: string,
  ids: readonly string[],
  options: BatchGetOptions = {},
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += KEYS_PER_REQUEST)
    chunks.push(unique.slice(i, i + KEYS_PER_REQUEST));
  const rounds = options.rounds ?? 10;
  await mapLimit(chunks, options.concurrency ?? 8, async (chunk) => {
    let keys = chunk.map((id) => ({ id: { S: id } }));
    for (let round = 0; keys.length > 0; round++) {
      if (round >= rounds)
        throw new Error(`BatchGetItem left ${keys.length} keys unprocessed after ${rounds} rounds`);
      if (round > 0)
        await new Promise((r) => setTimeout(r, Math.min(1_000, 20 * 2 ** round * Math.random())));
      const out = await withThrottleRetry(() =>
        dynamodb.send(
          new BatchGetItemCommand({
            RequestItems: { [table]: { Keys: keys, ConsistentRead: options.consistent ?? true } },
          }),
        ),
      );
      for (const raw of out.Responses?.[table] ?? []) {
        const item = unmarshall(raw);
        found.set(String(item.id), item);
      }
      keys = (out.UnprocessedKeys?.[table]?.Keys as typeof keys | undefined) ?? [];
    }
  });
  return found;
}
