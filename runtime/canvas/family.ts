import type { CeleriacClient } from '../client.js';
import { ErrorCode } from '../errors.js';
import type { TaskRecord } from '../results/record.js';
import { workflowMemberIds } from '../results/workflow-members.js';
import { readRecords } from './wait-many.js';

/** A task that another task spawned. */
export interface ChildTask {
  readonly id: string;
  readonly task: string;
}

/**
 * The recorded tasks a task spawned: its next chain step, its links and errbacks, the chord
 * body it fired, a nested canvas it started. Read through the workflow's `byRoot` index (one
 * query) and batched reads, then filtered on `parentId`; oldest first. Children not yet
 * recorded (still queued) are not listed, nor steps recorded as never run because this task
 * failed.
 *
 * @example
 * ```ts
 * const kids = await childrenOf(client, id); // [{ id, task }]
 * ```
 */
export async function childrenOf(client: CeleriacClient, id: string): Promise<ChildTask[]> {
  const self = await client.results.get(id);
  if (!self) return [];
  const ids = (await workflowMemberIds(client, self.rootId)).filter((m) => m !== id);
  // Steps marked FAILURE because they will never run (after a failed chain step, or the body of
  // a failed chord) name the failing task as parent but were never sent: not children.
  const neverSent = (r: TaskRecord) =>
    r.attempts === 0 &&
    (r.error?.code === ErrorCode.CHAIN_ABORTED || r.error?.code === ErrorCode.CHORD_FAILED);
  const records = [...(await readRecords(client, ids)).values()].filter(
    (r) => r.parentId === id && !neverSent(r),
  );
  records.sort(
    (a, b) => (a.enqueuedAt ?? a.updatedAt) - (b.enqueuedAt ?? b.updatedAt) || a.id.localeCompare(b.id),
  );
  return records.map((r) => ({ id: r.id, task: r.task }));
}
