import { type AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { CeleriacClient } from '../client.js';
import { ResultsSchema } from './schema.js';

/**
 * The ids of every stored member of a workflow, through the `byRoot` index (keys only, every
 * page). The root itself is in the index only when it is part of a canvas.
 *
 * @example
 * ```ts
 * const ids = await workflowMemberIds(client, handle.rootId);
 * ```
 */
export async function workflowMemberIds(client: CeleriacClient, rootId: string): Promise<string[]> {
  const index = ResultsSchema.indexes.byRoot;
  const ids: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.dynamodb.send(
      new QueryCommand({
        TableName: client.config.table,
        IndexName: index.name,
        KeyConditionExpression: '#root = :root',
        ExpressionAttributeNames: { '#root': index.partitionKey },
        ExpressionAttributeValues: { ':root': { S: rootId } },
        ProjectionExpression: 'id',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of out.Items ?? []) if (item.id?.S) ids.push(item.id.S);
    start = out.LastEvaluatedKey;
  } while (start);
  return ids;
}
