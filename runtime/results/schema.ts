import { Defaults, TaskState } from '../constants.js';

/**
 * The results table's layout, shared by the store (runtime), the plan (infra, local stack)
 * and the API. One item per task, keyed by task id.
 *
 * Indexes, each partition key sharded by a hash of the task id so no single key runs hot:
 * - `byTask`  (`gsTask` = `task#shard`, `gsTime`): every stored task, by name over time.
 * - `byState` (`gsState` = `state#shard`, `gsTime`): sparse — only states other than SUCCESS,
 *   so the common success path pays for one index write, not two. SUCCESS is listed through
 *   `byTask`.
 * - `byRoot`  (`gsRoot` = root id, `gsTime`): sparse — only workflow members.
 */
export const ResultsSchema = {
  partitionKey: 'id',
  ttlAttribute: 'expiresAt',
  timeKey: 'gsTime',
  indexes: {
    byTask: { name: 'byTask', partitionKey: 'gsTask', sortKey: 'gsTime' },
    byState: { name: 'byState', partitionKey: 'gsState', sortKey: 'gsTime' },
    byRoot: { name: 'byRoot', partitionKey: 'gsRoot', sortKey: 'gsTime' },
  },
  /** Attributes copied into every index (enough to render a list row without a table read). */
  projected: [
    'state',
    'task',
    'queue',
    'attempts',
    'enqueuedAt',
    'startedAt',
    'finishedAt',
    'updatedAt',
    'runtimeMs',
    'rootId',
    'parentId',
    'tags',
    'expiresAt',
    'errorType',
    'chordId',
    'joinOf',
  ],
  shards: Defaults.INDEX_SHARDS,
} as const;

/** States that have an entry in the sparse `byState` index. */
export const INDEXED_STATES: readonly string[] = Object.values(TaskState).filter(
  (s) => s !== TaskState.SUCCESS && s !== TaskState.PENDING,
);

/**
 * The index shard of a task id: FNV-1a over its characters, modulo the shard count.
 *
 * @example
 * ```ts
 * shardOf('3f1c…', 4); // 0..3
 * ```
 */
export function shardOf(id: string, shards: number = ResultsSchema.shards): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The sort key of a task in every index: ISO time then id, so ties stay distinct and ordered. */
export function timeKey(epochMs: number, id: string): string {
  return `${new Date(epochMs).toISOString()}#${id}`;
}
