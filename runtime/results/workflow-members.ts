import { type AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { CeleriacClient } from '../client.js';
import { ResultsSchema } from './schema.js';
import { allShardKeys } from './shards.js';

/**
 * The ids of every stored member of a workflow, through the `byRoot` index (keys only, every
 * page of every shard of the root, the shards read at once). The root itself is in the index
 * only when it is part of a canvas.
 *
 * @example
 * ```ts
 * const ids = await workflowMemberIds(client, handle.rootId);
 * ```
 */
export async function workflowMemberIds(client: CeleriacClient, rootId: string): Promise<string[]> {
  const index = ResultsSchema.indexes.byRoot;
  const shards = allShardKeys(rootId, client.results.shards.root);
  const perShard = await Promise.all(
    shards.map(async (key) => {
      const ids: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const out = await client.dynamodb.send(
          new QueryCommand({
            TableName: client.config.table,
            IndexName: index.name,
            KeyConditionExpression: '#root = :root',
            ExpressionAttributeNames: { '#root': index.partitionKey },
            ExpressionAttributeValues: { ':root': { S: key } },
            ProjectionExpression: 'id',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of out.Items ?? []) if (item.id?.S) ids.push(item.id.S);
        start = out.LastEvaluatedKey;
      } while (start);
      return ids;
    }),
  );
  return perShard.flat();
}

/** A workflow edge: `next` (chain step, link, errback: parent → child) or `join` (chord member → body). */
export interface WorkflowEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'join';
}

/** What {@link workflowEdges} reads of a node. */
export interface WorkflowNodeLinks {
  readonly id: string;
  readonly parentId?: string;
  /** The chord whose join this task's result feeds. */
  readonly chordId?: string;
  /** The chord whose body this task is. */
  readonly joinOf?: string;
}

/**
 * The edges between a workflow's nodes: a chord body joins every member of its chord (a DAG,
 * not a tree); every other node hangs from its parent.
 *
 * @example
 * ```ts
 * workflowEdges([{ id: 'a' }, { id: 'b', parentId: 'a' }]); // [{ from: 'a', to: 'b', kind: 'next' }]
 * ```
 */
export function workflowEdges(nodes: readonly WorkflowNodeLinks[]): WorkflowEdge[] {
  const edges: WorkflowEdge[] = [];
  for (const node of nodes) {
    if (node.joinOf) {
      for (const member of nodes) {
        if (member.chordId === node.joinOf) edges.push({ from: member.id, to: node.id, kind: 'join' });
      }
    } else if (node.parentId && node.parentId !== node.id) {
      edges.push({ from: node.parentId, to: node.id, kind: 'next' });
    }
  }
  return edges;
}
