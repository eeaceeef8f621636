import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type CeleriacClient, getDefaultClient } from '../client.js';
import type { TaskState } from '../constants.js';
import { Limits } from '../constants.js';
import type { SerializedError } from '../results/record.js';
import { fromItem } from '../results/store.js';
import { type WorkflowEdge, workflowEdges, workflowMemberIds } from '../results/workflow-members.js';
import { type ChordState, readChord } from './chord-store.js';

/** One task of a workflow graph. */
export interface WorkflowNode {
  readonly id: string;
  readonly task: string;
  readonly state: TaskState;
  readonly queue: string;
  readonly attempts: number;
  readonly parentId?: string;
  /** The chord whose join this task's result feeds. */
  readonly chordId?: string;
  /** The chord whose body this task starts. */
  readonly joinOf?: string;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly error?: SerializedError;
}

export type { WorkflowEdge };

/** A workflow as nodes, edges and states (for the API and the dashboard's DAG). */
export interface WorkflowGraph {
  readonly rootId: string;
  readonly nodes: readonly WorkflowNode[];
  readonly edges: readonly WorkflowEdge[];
  readonly chords: readonly ChordState[];
}

/**
 * Read a workflow by its root id: every recorded member (through the `byRoot` index, then a
 * consistent batch read of the items), the edges between them and the state of each chord join.
 * Tasks not yet sent (later chain steps) have no record yet and do not appear.
 *
 * @example
 * ```ts
 * const graph = await getWorkflow(handle.rootId, { client });
 * graph.nodes.map((n) => `${n.task}: ${n.state}`);
 * ```
 */
export async function getWorkflow(
  rootId: string,
  options: { readonly client?: CeleriacClient } = {},
): Promise<WorkflowGraph> {
  const client = options.client ?? getDefaultClient();
  const { table } = client.config;
  const ids = await workflowMemberIds(client, rootId);
  const now = client.now();
  const nodes: WorkflowNode[] = [];
  for (let i = 0; i < ids.length; i += Limits.DYNAMODB_MAX_BATCH_GET) {
    let keys = ids.slice(i, i + Limits.DYNAMODB_MAX_BATCH_GET).map((id) => ({ id: { S: id } }));
    while (keys.length) {
      const out = await client.dynamodb.send(
        new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const raw of out.Responses?.[table] ?? []) {
        const item = unmarshall(raw);
        const rec = fromItem(item);
        if (rec.expiresAt <= now) continue;
        nodes.push({
          id: rec.id,
          task: rec.task,
          state: rec.state,
          queue: rec.queue,
          attempts: rec.attempts,
          ...(rec.parentId ? { parentId: rec.parentId } : {}),
          ...(typeof item.chordId === 'string' ? { chordId: item.chordId } : {}),
          ...(typeof item.joinOf === 'string' ? { joinOf: item.joinOf } : {}),
          ...(rec.startedAt !== undefined ? { startedAt: rec.startedAt } : {}),
          ...(rec.finishedAt !== undefined ? { finishedAt: rec.finishedAt } : {}),
          ...(rec.error ? { error: rec.error } : {}),
        });
      }
      keys = (out.UnprocessedKeys?.[table]?.Keys as typeof keys | undefined) ?? [];
    }
  }
  nodes.sort((a, b) => (a.startedAt ?? a.finishedAt ?? 0) - (b.startedAt ?? b.finishedAt ?? 0));
  const edges = workflowEdges(nodes);
  const chordIds = new Set(
    nodes.flatMap((n) => [n.chordId, n.joinOf].filter((c): c is string => c !== undefined)),
  );
  const chords = (await Promise.all([...chordIds].map((id) => readChord(client, id)))).filter(
    (c): c is ChordState => c !== undefined,
  );
  return { rootId, nodes, edges, chords };
}
