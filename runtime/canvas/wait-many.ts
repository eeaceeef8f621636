import type { CeleriacClient } from '../client.js';
import { TaskState } from '../constants.js';
import { toMillis } from '../duration.js';
import { CeleriacError, ErrorCode } from '../errors.js';
import type { Json } from '../json.js';
import { batchGetByIds } from '../results/batch-get.js';
import type { SerializedError, TaskRecord } from '../results/record.js';
import { fromItem } from '../results/store.js';
import type { WaitOptions } from '../wait-options.js';

/** A task to wait for: its id and task name (for messages). */
export interface WaitTarget {
  readonly id: string;
  readonly task: string;
}

/**
 * The error recorded on a chain step that never ran because an earlier step failed for good:
 * `ChainAborted`, plus the failing step's own error and id under `origin`.
 */
export interface AbortedError extends SerializedError {
  readonly origin: SerializedError & { readonly id: string; readonly task: string };
}

const hasOrigin = (error: SerializedError | undefined): error is AbortedError =>
  error?.code === ErrorCode.CHAIN_ABORTED && typeof (error as Partial<AbortedError>).origin === 'object';

/**
 * The error a wait raises for a task that ended without success: `TASK_FAILED` with the stored
 * error as `cause` and the task id as `value`; `TASK_REVOKED`. A chain step that never ran
 * because an earlier step failed raises that step's own error (type, message, code), with
 * that step's id as `value` and in `cause.id`, exactly as waiting on the failing step would.
 *
 * @example
 * ```ts
 * const err = failureOf({ id, task: 'add' }, record); // CeleriacError TASK_FAILED
 * ```
 */
export function failureOf(target: WaitTarget, record: TaskRecord): CeleriacError {
  if (record.state === TaskState.REVOKED) {
    return new CeleriacError(ErrorCode.TASK_REVOKED, `task ${target.task} ${target.id} was revoked`, {
      value: target.id,
      cause: record.error,
    });
  }
  const error = record.error;
  return unwrapAborted(
    new CeleriacError(
      ErrorCode.TASK_FAILED,
      `task ${target.task} ${target.id} failed: ${error?.type}: ${error?.message}`,
      { value: target.id, cause: error },
    ),
  );
}

/**
 * Given a `TASK_FAILED` error whose cause is a chain step's `ChainAborted` record, the error of
 * the step that failed (its own type, message and code in `cause`, its id in `value` and
 * `cause.id`); any other error as is.
 *
 * @example
 * ```ts
 * throw unwrapAborted(err);
 * ```
 */
export function unwrapAborted(err: CeleriacError): CeleriacError {
  const cause = err.cause as SerializedError | undefined;
  if (err.code !== ErrorCode.TASK_FAILED || !hasOrigin(cause)) return err;
  const o = cause.origin;
  return new CeleriacError(ErrorCode.TASK_FAILED, `task ${o.task} ${o.id} failed: ${o.type}: ${o.message}`, {
    value: o.id,
    cause: o,
  });
}

/**
 * Read records by id with consistent `BatchGetItem`s of up to 100 keys (unprocessed keys
 * re-asked); absent and expired ids are left out.
 *
 * @example
 * ```ts
 * const records = await readRecords(client, ids);
 * ```
 */
export async function readRecords(
  client: CeleriacClient,
  ids: readonly string[],
): Promise<Map<string, TaskRecord>> {
  const now = client.now();
  const found = new Map<string, TaskRecord>();
  // Unprocessed keys (a throttling table) are asked again with backoff, not in a tight loop.
  for (const raw of (await batchGetByIds(client.dynamodb, client.config.table, ids)).values()) {
    const record = fromItem(raw);
    // `fromItem` gives the TTL in epoch ms: an expired item DynamoDB has not deleted yet is absent.
    if (record.expiresAt > now) found.set(record.id, record);
  }
  return found;
}

/**
 * Wait for many tasks at once (a group's members, a chord header…): each round reads every
 * unfinished id in `BatchGetItem`s of 100 keys, so a group of 1,000 costs 10 requests a round,
 * not 1,000 polling loops. Resolves with the results in `targets` order; rejects, as soon as a
 * round sees one, with the first failure in that order (see {@link failureOf}).
 *
 * @throws CeleriacError `TASK_FAILED`, `TASK_REVOKED`, or `WAIT_TIMEOUT`.
 * @example
 * ```ts
 * const results = await waitForMany(client, members, { timeout: '60s' });
 * ```
 */
export async function waitForMany(
  client: CeleriacClient,
  targets: readonly WaitTarget[],
  options: WaitOptions = {},
): Promise<Json[]> {
  const timeoutMs = toMillis(options.timeout ?? '60s', 'result timeout');
  const intervalMs = Math.max(10, toMillis(options.interval ?? '250ms', 'result interval'));
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, Json>();
  for (;;) {
    const pending = [...new Set(targets.map((t) => t.id).filter((id) => !done.has(id)))];
    const records = await readRecords(client, pending);
    for (const target of targets) {
      const record = records.get(target.id);
      if (record?.state === TaskState.SUCCESS) done.set(target.id, (record.result ?? null) as Json);
      else if (record?.state === TaskState.FAILURE || record?.state === TaskState.REVOKED) {
        throw failureOf(target, record);
      }
    }
    if (targets.every((t) => done.has(t.id))) return targets.map((t) => done.get(t.id) as Json);
    if (Date.now() >= deadline) {
      const waiting = targets.filter((t) => !done.has(t.id));
      throw new CeleriacError(
        ErrorCode.WAIT_TIMEOUT,
        `${waiting.length} of ${targets.length} tasks still unfinished after ${timeoutMs} ms (first: ${waiting[0]?.task} ${waiting[0]?.id})`,
        { value: timeoutMs },
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
}
