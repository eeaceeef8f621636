import { TaskState } from '../constants.js';

/**
 * The results table's layout, shared by the store (runtime), the plan (infra, local stack)
 * and the API. One item per task, keyed by task id; what a successful task writes is that one
 * item and nothing else indexed, so a success costs one write unit (≤ 1 KB).
 *
 * Indexes (partition keys sharded by a hash of the item id, see `shards.ts`):
 * - `byTask`  (`gsTask` = `task#shard`, `gsTime`): sparse. Tasks in a state other than SUCCESS
 *   (STARTED, RETRY, FAILURE, REVOKED), and one *success summary* item per worker batch and
 *   task name, listing that batch's successes (`entries`). A per-task SUCCESS item has no
 *   index key: a batch of 10 successes costs 10 item writes + one summary (base + index).
 * - `byState` (`gsState` = `state#shard`, `gsTime`): sparse, states other than SUCCESS.
 * - `byRoot`  (`gsRoot` = `root#shard`, `gsEnq`): sparse, workflow members. Its sort key is the
 *   enqueue time, which does not move when the state changes (one index write per change, not a
 *   delete plus a put).
 */
export const ResultsSchema = {
  partitionKey: 'id',
  ttlAttribute: 'expiresAt',
  timeKey: 'gsTime',
  indexes: {
    byTask: { name: 'byTask', partitionKey: 'gsTask', sortKey: 'gsTime' },
    byState: { name: 'byState', partitionKey: 'gsState', sortKey: 'gsTime' },
    byRoot: { name: 'byRoot', partitionKey: 'gsRoot', sortKey: 'gsEnq' },
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
    // Success summaries: `kind` = 'batch', the packed rows.
    'kind',
    'entries',
  ],
} as const;

/** `kind` of a success summary item. */
export const SUMMARY_KIND = 'batch';

/** States that have an entry in the sparse `byState` and `byTask` indexes (pure: dropped where unread). */
export const INDEXED_STATES: readonly string[] = /* @__PURE__ */ Object.values(TaskState).filter(
  (s) => s !== TaskState.SUCCESS && s !== TaskState.PENDING,
);

/** The sort key of a task in every index: ISO time then id, so ties stay distinct and ordered. */
export function timeKey(epochMs: number, id: string): string {
  return `${new Date(epochMs).toISOString()}#${id}`;
}

export { shardOf } from './shards.js';
