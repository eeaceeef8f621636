import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { TaskState } from '../constants.js';
import { type Json, utf8Bytes } from '../json.js';
import { itemSize } from './item-size.js';
import type { SerializedError, TaskEvent, TaskRecord } from './record.js';
import { ResultsSchema, SUMMARY_KIND, timeKey } from './schema.js';
import { DEFAULT_SHARDS, type ResultShards, shardKey } from './shards.js';
import { type ThrottleRetryOptions, withThrottleRetry } from './throttle.js';
import { ttlToMs } from './ttl.js';

/** Arguments larger than this (UTF-8 bytes of their JSON) are not stored with the result (the dashboard says so). */
export const ARGS_STORE_MAX_BYTES = 8_192;
/** Results larger than this (UTF-8 bytes of their JSON) are not stored (the item limit is 400 KB); the record says truncated. */
export const RESULT_STORE_MAX_BYTES = 350_000;

/** A state change to record for one task. */
export interface Transition {
  readonly id: string;
  readonly state: TaskState;
  readonly task: string;
  readonly queue: string;
  readonly attempt: number;
  readonly rootId: string;
  readonly parentId?: string;
  readonly tags: readonly string[];
  /** How long the item is kept from now. */
  readonly ttlMs: number;
  readonly enqueuedAt?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly args?: Json;
  readonly result?: Json;
  readonly error?: SerializedError;
  readonly requestId?: string;
  readonly retryInMs?: number;
  /** Part of a workflow: indexed by root. */
  readonly workflow?: boolean;
  /** The chord this task's result joins (last task of a chord member). */
  readonly chordId?: string;
  /** This task starts the body of that chord. */
  readonly joinOf?: string;
  /** Nothing has been written for this id yet (first attempt): create with a PutItem. */
  readonly fresh?: boolean;
  /** States this write must not replace. @default SUCCESS and REVOKED */
  readonly protect?: readonly TaskState[];
  /**
   * A SUCCESS that also carries its batch's success summary (the packed rows of the batch's
   * other successes of the same task and queue): the item is then indexed in `byTask` in place
   * of a separate summary item. Honoured only on a fresh PutItem whose item stays within one
   * write unit (1 KB); the outcome says whether it was carried.
   */
  readonly summary?: { readonly entries: string };
}

/** The outcome of {@link ResultStore.write}. */
export type WriteOutcome =
  | { readonly written: true; readonly carried?: boolean }
  | { readonly written: false; readonly current: TaskState | undefined };

/** Largest item that carries a batch summary: one write unit for the item, one for its index entry. */
const CARRIER_MAX_BYTES = 1_024;

const DEFAULT_PROTECT: readonly TaskState[] = [TaskState.SUCCESS, TaskState.REVOKED];

/**
 * Reads and writes task items in the results table. Every write is one conditional
 * `UpdateItem` (or a creating `PutItem`): it never replaces a protected state (a late duplicate
 * cannot overwrite SUCCESS), and it appends to the task's timeline in the same request. A
 * throttled write is retried with backoff inside the call (see {@link withThrottleRetry}).
 *
 * @example
 * ```ts
 * const store = new ResultStore(dynamodb, 'app-results');
 * const rec = await store.get(id);
 * ```
 */
export class ResultStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    readonly table: string,
    private readonly now: () => number = Date.now,
    /** Index shard counts; the readers (API, CLI) must use the same. @default DEFAULT_SHARDS */
    readonly shards: ResultShards = DEFAULT_SHARDS,
    /** How throttled writes are retried. */
    private readonly throttle: ThrottleRetryOptions = {},
  ) {}

  /**
   * Store success summary items (see `batch-summary.ts`), each with one PutItem.
   *
   * @example
   * ```ts
   * await store.putSummaries(summaryItems(successes, now, store.shards, randomUUID));
   * ```
   */
  async putSummaries(items: readonly Record<string, unknown>[]): Promise<void> {
    await Promise.all(
      items.map((item) =>
        withThrottleRetry(
          () =>
            this.dynamodb.send(
              new PutItemCommand({
                TableName: this.table,
                Item: marshall(item, { removeUndefinedValues: true }),
              }),
            ),
          { now: this.now, ...this.throttle },
        ),
      ),
    );
  }

  /** One task, strongly consistent; `undefined` when absent or expired. */
  async get(id: string): Promise<TaskRecord | undefined> {
    const out = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.table, Key: { id: { S: id } }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const record = fromItem(unmarshall(out.Item));
    return record.expiresAt <= this.now() ? undefined : record;
  }

  /**
   * Record a state change in one conditional write. With `fresh` (a first attempt, nothing
   * written yet for this id) it is a PutItem that only creates; should an item exist after all
   * (a redriven or duplicate message), it falls back to the merging UpdateItem.
   */
  async write(t: Transition): Promise<WriteOutcome> {
    const now = this.now();
    const { fields, remove } = itemFields(t, now, this.shards);
    const retry = { now: this.now, ...this.throttle };
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
            [ix.partitionKey]: shardKey(t.task, t.id, this.shards.task),
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
            this.dynamodb.send(
              new PutItemCommand({
                TableName: this.table,
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
          this.dynamodb.send(
            new UpdateItemCommand({
              TableName: this.table,
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

/** Attributes that exist for the table's indexes, never shown to users. */
const STORAGE_ONLY: ReadonlySet<string> = new Set([
  ResultsSchema.timeKey,
  ...Object.values(ResultsSchema.indexes).flatMap((i) => [i.partitionKey, i.sortKey]),
  // A SUCCESS that carries its batch's summary: the packed rows of the other tasks.
  'kind',
  'entries',
  'errorType',
]);

/**
 * Turn a raw item into a {@link TaskRecord}: index keys left out, the TTL attribute (epoch
 * seconds, as DynamoDB's TTL wants it) given in epoch ms like every other timestamp.
 */
export function fromItem(item: Record<string, unknown>): TaskRecord {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (!STORAGE_ONLY.has(key)) out[key] = value;
  const { args, result } = out as { args?: unknown; result?: unknown };
  return {
    ...(out as unknown as TaskRecord),
    expiresAt: ttlToMs(item[ResultsSchema.ttlAttribute]),
    tags: (out.tags as string[] | undefined) ?? [],
    history: (out.history as TaskEvent[] | undefined) ?? [],
    ...(typeof args === 'string' ? { args: JSON.parse(args) as Json } : {}),
    ...(typeof result === 'string' ? { result: JSON.parse(result) as Json } : {}),
  };
}
