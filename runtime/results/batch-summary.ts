import { TaskState } from '../constants.js';
import { ResultsSchema, SUMMARY_KIND, timeKey } from './schema.js';
import { type ResultShards, shardKey } from './shards.js';
import type { Transition } from './store.js';
import type { TaskSummary } from './summary.js';
import { ttlToMs } from './ttl.js';

/** Rows packed into one summary item at most (≈ 60-90 bytes each, so a summary stays a few KB). */
export const SUMMARY_MAX_ENTRIES = 50;

/** Prefix of a summary item's id (never a task id: task ids are UUIDs or user ids without `#`). */
export const SUMMARY_ID_PREFIX = 'batch#';

/**
 * One packed row: `[id, attempts, enqueued, started, finished, root, parent, tags, chordId,
 * joinOf]`, times as ms before the entries' base time (`null` when unknown), `root` `0` when
 * the task is its own root, the rest `0` when absent; trailing zeros are left out. Short, so
 * nine rows fit beside a task's own item in one write unit.
 */
type PackedRow = [
  string,
  number,
  number | null,
  number | null,
  number | null,
  string | 0,
  string | 0,
  string[] | 0,
  string | 0,
  string | 0,
];

/**
 * The success summary items of one worker batch: one per task name and queue (up to 50 rows
 * each), indexed in `byTask` under a shard of its own id, so listing successes costs one index
 * write per batch instead of one per task.
 *
 * @example
 * ```ts
 * const items = summaryItems(successes, Date.now(), DEFAULT_SHARDS, () => randomUUID());
 * ```
 */
export function summaryItems(
  successes: readonly Transition[],
  now: number,
  shards: ResultShards,
  newId: () => string,
): Record<string, unknown>[] {
  const groups = new Map<string, Transition[]>();
  for (const t of successes) {
    const key = JSON.stringify([t.task, t.queue]);
    const list = groups.get(key) ?? [];
    list.push(t);
    groups.set(key, list);
  }
  const items: Record<string, unknown>[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += SUMMARY_MAX_ENTRIES) {
      const chunk = group.slice(i, i + SUMMARY_MAX_ENTRIES);
      const first = chunk[0]!;
      const id = `${SUMMARY_ID_PREFIX}${newId()}`;
      const tags = [...new Set(chunk.flatMap((t) => t.tags))];
      items.push({
        id,
        kind: SUMMARY_KIND,
        state: TaskState.SUCCESS,
        task: first.task,
        queue: first.queue,
        updatedAt: now,
        ...(tags.length ? { tags } : {}),
        entries: packRows(chunk, now),
        [ResultsSchema.ttlAttribute]: Math.ceil((now + Math.max(...chunk.map((t) => t.ttlMs))) / 1000),
        [ResultsSchema.timeKey]: timeKey(now, id),
        [ResultsSchema.indexes.byTask.partitionKey]: shardKey(first.task, id, shards.task),
      });
    }
  }
  return items;
}

/**
 * Pack successes into the `entries` string of a summary: `[base, row, row…]`.
 *
 * @example
 * ```ts
 * packRows([transition], Date.now()); // '[1764…,["id",1,120,20,2]]'
 * ```
 */
export function packRows(successes: readonly Transition[], base: number): string {
  const ago = (t: number | undefined) => (t === undefined ? null : base - t);
  const rows = successes.map((t) => {
    const row: (PackedRow[number] | null)[] = [
      t.id,
      t.attempt,
      ago(t.enqueuedAt),
      ago(t.startedAt),
      ago(t.finishedAt),
      t.rootId === t.id ? 0 : t.rootId,
      t.parentId ?? 0,
      t.tags.length ? [...t.tags] : 0,
      t.chordId ?? 0,
      t.joinOf ?? 0,
    ];
    while (row.length > 5 && row[row.length - 1] === 0) row.pop();
    return row;
  });
  return JSON.stringify([base, ...rows]);
}

/** True for a success summary item (as stored or as projected into `byTask`). */
export function isSummary(item: Record<string, unknown>): boolean {
  return item.kind === SUMMARY_KIND;
}

/**
 * The list rows a summary item stands for, in its packed order.
 *
 * @example
 * ```ts
 * const rows = expandSummary(item); // TaskSummary[] with state SUCCESS
 * ```
 */
export function expandSummary(item: Record<string, unknown>): TaskSummary[] {
  const [base, ...rows] = JSON.parse(String(item.entries ?? '[0]')) as [number, ...PackedRow[]];
  const at = (ago: number | null) => (ago === null ? undefined : base - ago);
  const expiresAt = ttlToMs(item[ResultsSchema.ttlAttribute]);
  // Newest first, as lists read: a page may stop inside a summary and resume at the same place.
  return rows
    .map(([id, attempts, enq, start, fin, root = 0, parent = 0, tags = 0, chordId = 0, joinOf = 0]) => {
      const enqueuedAt = at(enq);
      const startedAt = at(start);
      const finishedAt = at(fin);
      return {
        id,
        state: TaskState.SUCCESS,
        task: String(item.task),
        queue: String(item.queue),
        attempts,
        updatedAt: finishedAt ?? Number(item.updatedAt ?? base),
        rootId: root === 0 ? id : root,
        tags: tags === 0 ? [] : tags,
        expiresAt,
        ...(enqueuedAt !== undefined ? { enqueuedAt } : {}),
        ...(startedAt !== undefined ? { startedAt } : {}),
        ...(finishedAt !== undefined ? { finishedAt } : {}),
        ...(startedAt !== undefined && finishedAt !== undefined ? { runtimeMs: finishedAt - startedAt } : {}),
        ...(parent !== 0 ? { parentId: parent } : {}),
        ...(chordId !== 0 ? { chordId } : {}),
        ...(joinOf !== 0 ? { joinOf } : {}),
      } as TaskSummary;
    })
    .sort((a, b) => b.updatedAt - a.updatedAt);
}
