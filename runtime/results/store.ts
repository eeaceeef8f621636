import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { TaskState } from '../constants.js';
import type { Json } from '../json.js';
import type { SerializedError, TaskEvent, TaskRecord } from './record.js';
import { ResultsSchema } from './schema.js';
import { DEFAULT_SHARDS, type ResultShards } from './shards.js';
import type { ThrottleRetryOptions } from './throttle.js';
import { ttlToMs } from './ttl.js';

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

/** The outcome of {@link writeTransition}. */
export type WriteOutcome =
  | { readonly written: true; readonly carried?: boolean }
  | { readonly written: false; readonly current: TaskState | undefined };

/**
 * The results table of a client: reads task items, and holds what its writers need
 * ({@link writeTransition} and {@link putSummaryItems} in `write.ts`, kept apart so that a
 * producer, which only reads, does not bundle them).
 *
 * @example
 * ```ts
 * const store = new ResultStore(dynamodb, 'app-results');
 * const rec = await store.get(id);
 * ```
 */
export class ResultStore {
  constructor(
    readonly dynamodb: DynamoDBClient,
    readonly table: string,
    readonly now: () => number = Date.now,
    /** Index shard counts; the readers (API, CLI) must use the same. @default DEFAULT_SHARDS */
    readonly shards: ResultShards = DEFAULT_SHARDS,
    /** How throttled writes are retried (by the writers in `write.ts`). */
    readonly throttle: ThrottleRetryOptions = {},
  ) {}

  /** One task, strongly consistent; `undefined` when absent or expired. */
  async get(id: string): Promise<TaskRecord | undefined> {
    const out = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.table, Key: { id: { S: id } }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const record = fromItem(unmarshall(out.Item));
    return record.expiresAt <= this.now() ? undefined : record;
  }
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
