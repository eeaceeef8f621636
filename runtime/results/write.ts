import { ConditionalCheckFailedException, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TaskState } from '../constants.js';
import { utf8Bytes } from '../json.js';
import { itemSize } from './item-size.js';
import type { TaskEvent } from './record.js';
import { ResultsSchema, SUMMARY_KIND, timeKey } from './schema.js';
import { type ResultShards, shardKey } from './shards.js';
import type { ResultStore, Transition, WriteOutcome } from './store.js';
import { withThrottleRetry } from './throttle.js';

/** Arguments larger than this (UTF-8 bytes of their JSON) are not stored with the result (the dashboard says so). */
export const ARGS_STORE_MAX_BYTES = 8_192;
/** Results larger than this (UTF-8 bytes of their JSON) are not stored (the item limit is 400 KB); the record says truncated. */
export const RESULT_STORE_MAX_BYTES = 350_000;

/** Largest item that carries a batch summary: one write unit for the item, one for its index entry. */
const CARRIER_MAX_BYTES = 1_024;

const DEFAULT_PROTECT: readonly TaskState[] = [TaskState.SUCCESS, TaskState.REVOKED];

/**
 * Record a state change in one conditional write. With `fresh` (a first attempt, nothing
 * written yet for this id) it is a PutItem that only creates; should an item exist after all
 * (a redriven or duplicate message), it falls back to the merging UpdateItem. A write never
 * replaces a protected state (a late duplicate cannot overwrite SUCCESS) and appends to the
 * task's timeline in the same request; a throttled write is retried with backoff inside the
 * call (see {@link withThrottleRetry}).
 *
 * @example
 * ```ts
 * const out = await writeTransition(client.results, { id, state: 'SUCCESS', ... });
 * ```
 */
export async function writeTransition(store: ResultStore, t: Transition): Promise<WriteOutcome> {
  const now = store.now();
  const { fields, remove } = itemFields(t, now, store.shards);
  const retry = { now: store.now, ...store.throttle };
  const event: TaskEvent = {
    state: t.state,
    at: now,
    attempt: t.attempt,
    ...(t.error ? { error: { type: t.error.type, message: t.error.message.slice(0, 500) } } : {}),
    ...(t.retryInMs !== undefined ? { retryInMs: t.retryInMs } : {}),
  };
  if (t.fresh) {
    let item = marshall({ id: t.id, ...fields, history: [event] }, { removeUndefinedValues: true });
    let carried = false;
    if (t.summary && t.state === TaskState.SUCCESS) {
      const ix = ResultsSchema.indexes.byTask;
      const carrier = {
        ...item,
        ...marshall({
          kind: SUMMARY_KIND,
          entries: t.summary.entries,
          [ResultsSchema.timeKey]: timeKey(now, t.id),
          [ix.partitionKey]: shardKey(t.task, t.id, store.shards.task),
        }),
      };
      if (itemSize(carrier) <= CARRIER_MAX_BYTES) {
        item = carrier;
        carried = true;
      }
    }
    try {
      await withThrottleRetry(
        () =>
          store.dynamodb.send(
            new PutItemCommand({
              TableName: store.table,
              Item: item,
              ConditionExpression: 'attribute_not_exists(#id)',
              ExpressionAttributeNames: { '#id': 'id' },
            }),
          ),
        retry,
      );
      return { written: true, carried };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
  const names: Record<string, string> = { '#id': 'id', '#state': 'state', '#h': 'history' };
  const values: Record<string, unknown> = { ':ev': [event], ':empty': [] };
  const sets: string[] = ['#h = list_append(if_not_exists(#h, :empty), :ev)'];
  let n = 0;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const name = key === 'state' ? '#state' : `#f${n}`;
    names[name] = key;
    values[`:v${n}`] = value;
    // The byRoot sort key never moves once set: a state change rewrites the index entry in place.
    sets.push(
      key === ResultsSchema.indexes.byRoot.sortKey
        ? `${name} = if_not_exists(${name}, :v${n})`
        : `${name} = :v${n}`,
    );
    n++;
  }
  const removes = remove.map((key, i) => {
    names[`#r${i}`] = key;
    return `#r${i}`;
  });
  const protect = t.protect ?? DEFAULT_PROTECT;
  const guards = protect.map((s, i) => {
    values[`:p${i}`] = s;
    return `:p${i}`;
  });
  try {
    await withThrottleRetry(
      () =>
        store.dynamodb.send(
          new UpdateItemCommand({
            TableName: store.table,
            Key: { id: { S: t.id } },
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: guards.length
              ? `attribute_not_exists(#id) OR NOT (#state IN (${guards.join(', ')}))`
              : undefined,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      retry,
    );
    return { written: true };
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) {
      const state = err.Item?.state?.S as TaskState | undefined;
      return { written: false, current: state };
    }
    throw err;
  }
}

/**
 * Store success summary items (see `batch-summary.ts`), each with one PutItem.
 *
 * @example
 * ```ts
 * await putSummaryItems(store, summaryItems(successes, now, store.shards, randomUUID));
 * ```
 */
export async function putSummaryItems(
  store: ResultStore,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  await Promise.all(
    items.map((item) =>
      withThrottleRetry(
        () =>
          store.dynamodb.send(
            new PutItemCommand({
              TableName: store.table,
              Item: marshall(item, { removeUndefinedValues: true }),
            }),
          ),
        { now: store.now, ...store.throttle },
      ),
    ),
  );
}

/** The attributes a transition sets, and those it removes (sparse index keys, stale errors). */
function itemFields(
  t: Transition,
  now: number,
  shards: ResultShards,
): { fields: Record<string, unknown>; remove: string[] } {
  const ix = ResultsSchema.indexes;
  const fields: Record<string, unknown> = {
    state: t.state,
    task: t.task,
    queue: t.queue,
    attempts: t.attempt,
    rootId: t.rootId,
    parentId: t.parentId,
    tags: [...t.tags],
    updatedAt: now,
    enqueuedAt: t.enqueuedAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    runtimeMs:
      t.startedAt !== undefined && t.finishedAt !== undefined ? t.finishedAt - t.startedAt : undefined,
    requestId: t.requestId,
    chordId: t.chordId,
    joinOf: t.joinOf,
    error: t.error,
    errorType: t.error?.type,
    [ResultsSchema.ttlAttribute]: Math.ceil((now + t.ttlMs) / 1000),
  };
  const truncated: string[] = [];
  if (t.args !== undefined) {
    const text = JSON.stringify(t.args);
    if (utf8Bytes(text) <= ARGS_STORE_MAX_BYTES) fields.args = text;
    else truncated.push('args');
  }
  if (t.result !== undefined) {
    const text = JSON.stringify(t.result);
    if (utf8Bytes(text) <= RESULT_STORE_MAX_BYTES) fields.result = text;
    else truncated.push('result');
  }
  if (truncated.length > 0) fields.truncated = truncated;
  if (t.workflow) {
    fields[ix.byRoot.partitionKey] = shardKey(t.rootId, t.id, shards.root);
    fields[ix.byRoot.sortKey] = timeKey(t.enqueuedAt ?? now, t.id);
  }
  const remove: string[] = [];
  if (t.state === TaskState.SUCCESS) {
    // A success is listed through its batch's summary: the item itself leaves byTask and byState.
    remove.push(ix.byTask.partitionKey, ix.byState.partitionKey, ResultsSchema.timeKey);
  } else {
    // A RETRY is listed at its enqueue time, which does not move from one retry to the next: a
    // retry storm rewrites each index entry in place (1 write unit) instead of moving it (2).
    fields[ResultsSchema.timeKey] = timeKey(
      t.state === TaskState.RETRY && t.enqueuedAt !== undefined ? t.enqueuedAt : now,
      t.id,
    );
    fields[ix.byTask.partitionKey] = shardKey(t.task, t.id, shards.task);
    fields[ix.byState.partitionKey] = shardKey(t.state, t.id, shards.state);
  }
  if (t.error === undefined) remove.push('error', 'errorType');
  return { fields, remove };
}
