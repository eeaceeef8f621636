import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { TaskState } from '../constants.js';
import { ErrorCode, invalid } from '../errors.js';
import type { TaskRecord } from './record.js';
import { INDEXED_STATES, ResultsSchema } from './schema.js';

/** A list row: what the indexes project, enough to render a table without reading items. */
export type TaskSummary = Omit<
  TaskRecord,
  'args' | 'result' | 'error' | 'history' | 'requestId' | 'truncated'
> & {
  /** The error's type, for failed and retried tasks. */
  readonly errorType?: string;
  /** The chord whose join this task's result feeds. */
  readonly chordId?: string;
  /** The chord whose body (callback) this task is. */
  readonly joinOf?: string;
};

/** Filters of {@link TaskQuery.list}. Time bounds are epoch ms on the last update time. */
export interface ListFilter {
  readonly state?: TaskState;
  readonly task?: string;
  readonly queue?: string;
  readonly tag?: string;
  readonly since?: number;
  readonly until?: number;
}

/** Options of {@link TaskQuery.list}. */
export interface ListOptions extends ListFilter {
  /** Rows per page, 1-200. @default 50 */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
}

/** One page of tasks, newest update first. */
export interface TaskPage {
  readonly items: TaskSummary[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly cursor?: string;
}

/** Options of {@link TaskQuery.stats}. */
export interface StatsOptions {
  /** Window start, epoch ms. */
  readonly since: number;
  /** Window end, epoch ms. @default now */
  readonly until?: number;
  /** Bucket width in ms (at least 1 s; at most 500 buckets). */
  readonly bucketMs: number;
  /** Stop reading after this many tasks; the answer then says `truncated`. @default 20000 */
  readonly maxItems?: number;
}

/** Counts and latencies of one time bucket. */
export interface StatsBucket {
  /** Bucket start, epoch ms. */
  readonly start: number;
  readonly counts: Readonly<Record<string, number>>;
  /** Finished tasks (SUCCESS + FAILURE) in the bucket: the throughput. */
  readonly finished: number;
  readonly failures: number;
  /** Run time of finished tasks, ms. */
  readonly runtimeP50?: number;
  readonly runtimeP95?: number;
  /** Time from enqueue to start, ms. */
  readonly waitP50?: number;
}

/** Answer of {@link TaskQuery.stats}. */
export interface TaskStats {
  readonly since: number;
  readonly until: number;
  readonly bucketMs: number;
  readonly buckets: StatsBucket[];
  readonly totals: Readonly<Record<string, number>>;
  /** True when `maxItems` stopped the read: counts are lower bounds. */
  readonly truncated: boolean;
}

/** A workflow: its tasks and the edges between them (`next`: parent → child; `join`: chord member → body). */
export interface Workflow {
  readonly rootId: string;
  /** Tasks of the workflow; a parent with no stored item appears with state PENDING. */
  readonly nodes: TaskSummary[];
  readonly edges: { readonly from: string; readonly to: string; readonly kind: 'next' | 'join' }[];
  readonly counts: Readonly<Record<string, number>>;
  /** True when the workflow has more members than were read. */
  readonly truncated: boolean;
}

/** Options of {@link TaskQuery}. */
export interface TaskQueryOptions {
  /** Every task name to list through the `byTask` index (the plan's tasks). */
  readonly taskNames: readonly string[];
  /** Clock in epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** Where a partition's scan stands: not started, finished, or after this (id, time key). */
export type PartitionPosition = undefined | 'done' | { readonly id: string; readonly time: string };

/** One index partition and how to read a page of it. */
export interface PartitionSource<T> {
  fetch(
    start: PartitionPosition,
    limit: number,
  ): Promise<{ items: T[]; last?: { id: string; time: string } }>;
}

const LIST_MAX = 200;
const LIST_DEFAULT = 50;
const MAX_BUCKETS = 500;
const ix = ResultsSchema.indexes;

/**
 * Merge pages of several index partitions, each read newest first, into one page newest
 * first, and say where each partition stands for the next page. A partition is only read
 * as far as the page needs; a partition whose next item is unknown is fetched before any row
 * is emitted, so no page ever skips a newer row.
 *
 * @example
 * ```ts
 * const { items, positions } = await mergePartitions(sources, positions, 50, (r) => r.time, (r) => r);
 * ```
 */
export async function mergePartitions<T>(
  sources: readonly PartitionSource<T>[],
  start: readonly PartitionPosition[],
  limit: number,
  timeOf: (item: T) => string,
  keyOf: (item: T) => { id: string; time: string },
  maxCalls = 4 * sources.length + 40,
): Promise<{ items: T[]; positions: PartitionPosition[] }> {
  const lanes = sources.map((source, i) => ({
    source,
    pos: start[i],
    from: start[i],
    buf: [] as T[],
    ended: start[i] === 'done',
    fetched: false,
  }));
  const items: T[] = [];
  let calls = 0;
  const fill = async (lane: (typeof lanes)[number]) => {
    while (lane.buf.length === 0 && !lane.ended && calls < maxCalls) {
      calls++;
      const want = lane.fetched
        ? limit - items.length + 1
        : Math.max(10, Math.ceil((2 * limit) / sources.length));
      lane.fetched = true;
      const out = await lane.source.fetch(lane.from, Math.min(1_000, Math.max(10, want)));
      lane.buf = out.items;
      if (out.last) lane.from = out.last;
      else lane.ended = true;
      // Everything read up to `last` was filtered out: resume after it.
      if (lane.buf.length === 0) lane.pos = lane.ended ? 'done' : out.last;
    }
  };
  while (items.length < limit) {
    await Promise.all(lanes.filter((l) => l.buf.length === 0 && !l.ended).map(fill));
    if (lanes.some((l) => l.buf.length === 0 && !l.ended)) break; // out of budget: stop safely
    let best: (typeof lanes)[number] | undefined;
    for (const lane of lanes) {
      if (lane.buf.length && (!best || timeOf(lane.buf[0]!) > timeOf(best.buf[0]!))) best = lane;
    }
    if (!best) break;
    const item = best.buf.shift()!;
    items.push(item);
    best.pos = best.buf.length === 0 && best.ended ? 'done' : keyOf(item);
  }
  return { items, positions: lanes.map((l) => l.pos) };
}

/**
 * Encode partition positions and the filter they belong to as an opaque base64url cursor.
 *
 * @example
 * ```ts
 * const cursor = encodeCursor('sig', [undefined, 'done', { id: 'a', time: '2026-…#a' }]);
 * ```
 */
export function encodeCursor(signature: string, positions: readonly PartitionPosition[]): string {
  const p = positions.map((pos) => (pos === undefined ? null : pos === 'done' ? 0 : [pos.id, pos.time]));
  return Buffer.from(JSON.stringify({ v: 1, s: signature, p }), 'utf8').toString('base64url');
}

/**
 * Decode a cursor made by {@link encodeCursor} for the same filter.
 *
 * @throws CeleriacError `INVALID_OPTION` when the cursor is malformed or was made for another filter.
 * @example
 * ```ts
 * const positions = decodeCursor(cursor, 'sig', 4);
 * ```
 */
export function decodeCursor(cursor: string, signature: string, partitions: number): PartitionPosition[] {
  const bad = (why: string) =>
    invalid(
      ErrorCode.INVALID_OPTION,
      `cursor (${why})`,
      cursor,
      'the cursor of the previous page, same filters',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor');
  }
  const c = parsed as { v?: unknown; s?: unknown; p?: unknown };
  if (c?.v !== 1 || !Array.isArray(c.p)) throw bad('not a cursor');
  if (c.s !== signature) throw bad('made for other filters');
  if (c.p.length !== partitions) throw bad('made for another set of tasks');
  return c.p.map((pos: unknown): PartitionPosition => {
    if (pos === null) return undefined;
    if (pos === 0) return 'done';
    if (Array.isArray(pos) && typeof pos[0] === 'string' && typeof pos[1] === 'string') {
      return { id: pos[0], time: pos[1] };
    }
    throw bad('not a cursor');
  });
}

/**
 * Count rows into time buckets with throughput, failures and latency percentiles.
 *
 * @example
 * ```ts
 * const buckets = bucketize(rows, since, until, 60_000);
 * ```
 */
export function bucketize(
  rows: readonly Pick<TaskSummary, 'state' | 'updatedAt' | 'runtimeMs' | 'startedAt' | 'enqueuedAt'>[],
  since: number,
  until: number,
  bucketMs: number,
): StatsBucket[] {
  const n = Math.max(1, Math.ceil((until - since) / bucketMs));
  const acc = Array.from({ length: n }, () => ({
    counts: {} as Record<string, number>,
    runtimes: [] as number[],
    waits: [] as number[],
  }));
  for (const row of rows) {
    const i = Math.floor((row.updatedAt - since) / bucketMs);
    const b = acc[i];
    if (!b) continue;
    b.counts[row.state] = (b.counts[row.state] ?? 0) + 1;
    const finished = row.state === TaskState.SUCCESS || row.state === TaskState.FAILURE;
    if (finished && row.runtimeMs !== undefined) b.runtimes.push(row.runtimeMs);
    if (row.startedAt !== undefined && row.enqueuedAt !== undefined)
      b.waits.push(row.startedAt - row.enqueuedAt);
  }
  return acc.map((b, i) => ({
    start: since + i * bucketMs,
    counts: b.counts,
    finished: (b.counts.SUCCESS ?? 0) + (b.counts.FAILURE ?? 0),
    failures: b.counts.FAILURE ?? 0,
    ...percentiles(b.runtimes, 'runtime'),
    ...(b.waits.length ? { waitP50: percentile(b.waits, 0.5) } : {}),
  }));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function percentiles(values: number[], name: 'runtime'): Partial<StatsBucket> {
  if (!values.length) return {};
  return { [`${name}P50`]: percentile(values, 0.5), [`${name}P95`]: percentile(values, 0.95) };
}

/** Turn an index or table item into a list row. */
export function toSummary(item: Record<string, unknown>): TaskSummary {
  const out: Record<string, unknown> = { tags: [] };
  for (const key of ['id', ...ResultsSchema.projected]) if (item[key] !== undefined) out[key] = item[key];
  return out as unknown as TaskSummary;
}

interface Partition {
  readonly index: string;
  readonly key: string;
  readonly value: string;
}

/**
 * Reads the results table for the API, dashboard and CLI: filtered, paginated task lists,
 * counts over time and workflows. Queries only (no Scan); expired items never appear.
 *
 * Unfiltered lists and SUCCESS lists read `byTask` across the given task names; other states
 * read the sparse `byState` index. Each index key is sharded, so a page merges
 * `names × shards` (or `shards`) partitions newest first.
 *
 * @example
 * ```ts
 * const query = new TaskQuery(client.dynamodb, client.config.table, {
 *   taskNames: registry.plan().tasks.map((t) => t.name),
 * });
 * const page = await query.list({ state: 'FAILURE', limit: 20 });
 * const next = await query.list({ state: 'FAILURE', limit: 20, cursor: page.cursor });
 * ```
 */
export class TaskQuery {
  readonly #taskNames: readonly string[];
  readonly #now: () => number;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    readonly table: string,
    options: TaskQueryOptions,
  ) {
    this.#taskNames = [...new Set(options.taskNames)].sort();
    this.#now = options.now ?? Date.now;
  }

  /** One page of tasks matching `options`, newest update first. */
  async list(options: ListOptions = {}): Promise<TaskPage> {
    const limit = options.limit ?? LIST_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
      throw invalid(ErrorCode.INVALID_OPTION, 'limit', options.limit, `an integer from 1 to ${LIST_MAX}`);
    }
    const filter = checkFilter(options);
    const partitions = this.#partitions(filter);
    const signature = fnv(JSON.stringify([filter, partitions.map((p) => p.value)]));
    const start = options.cursor
      ? decodeCursor(options.cursor, signature, partitions.length)
      : partitions.map(() => undefined);
    const byTaskState = filter.state === undefined || filter.state === TaskState.SUCCESS;
    const sources = partitions.map((p) =>
      this.#source(p, {
        ...filter,
        ...(byTaskState ? {} : { state: undefined }),
        ...(p.index === ix.byTask.name ? { task: undefined } : {}),
      }),
    );
    const { items, positions } = await mergePartitions(
      sources,
      start,
      limit,
      (r) => r.time,
      (r) => ({ id: r.row.id, time: r.time }),
    );
    const more = positions.some((p) => p !== 'done');
    return {
      items: items.map((r) => r.row),
      ...(more ? { cursor: encodeCursor(signature, positions) } : {}),
    };
  }

  /** Counts by state in time buckets, with throughput, failures and latency. */
  async stats(options: StatsOptions): Promise<TaskStats> {
    const until = options.until ?? this.#now();
    const { since, bucketMs } = options;
    if (!Number.isFinite(since) || !Number.isFinite(until) || since >= until) {
      throw invalid(ErrorCode.INVALID_OPTION, 'stats window', { since, until }, 'since before until');
    }
    if (!Number.isFinite(bucketMs) || bucketMs < 1_000 || (until - since) / bucketMs > MAX_BUCKETS) {
      throw invalid(
        ErrorCode.INVALID_OPTION,
        'stats bucket (ms)',
        bucketMs,
        `at least 1000 and at most ${MAX_BUCKETS} buckets in the window`,
      );
    }
    const maxItems = options.maxItems ?? 20_000;
    const rows: TaskSummary[] = [];
    let truncated = false;
    const partitions = this.#partitions({});
    await Promise.all(
      partitions.map(async (p) => {
        let from: PartitionPosition;
        do {
          if (rows.length >= maxItems) {
            truncated = true;
            return;
          }
          const out = await this.#source(p, { since, until }).fetch(from, 1_000);
          for (const r of out.items) rows.push(r.row);
          from = out.last;
        } while (from);
      }),
    );
    const buckets = bucketize(rows, since, until, bucketMs);
    const totals: Record<string, number> = {};
    for (const b of buckets) for (const [s, c] of Object.entries(b.counts)) totals[s] = (totals[s] ?? 0) + c;
    return { since, until, bucketMs, buckets, totals, truncated };
  }

  /** A workflow by its root id, or `undefined` when nothing of it is stored. */
  async workflow(rootId: string, maxNodes = 2_000): Promise<Workflow | undefined> {
    const nowSec = this.#now() / 1000;
    const rootOut = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.table, Key: { [ResultsSchema.partitionKey]: { S: rootId } } }),
    );
    const rootItem = rootOut.Item ? unmarshall(rootOut.Item) : undefined;
    const nodes = new Map<string, TaskSummary>();
    if (rootItem && Number(rootItem[ResultsSchema.ttlAttribute]) > nowSec)
      nodes.set(rootId, toSummary(rootItem));
    let from: PartitionPosition;
    let truncated = false;
    const members = this.#source({ index: ix.byRoot.name, key: ix.byRoot.partitionKey, value: rootId }, {});
    do {
      const out = await members.fetch(from, 500);
      for (const r of out.items) nodes.set(r.row.id, r.row);
      from = out.last;
      if (nodes.size >= maxNodes && from) truncated = true;
    } while (from && !truncated);
    if (nodes.size === 0) return undefined;
    const edges: Workflow['edges'] = [];
    const all = [...nodes.values()];
    for (const node of all) {
      if (node.joinOf) {
        // A chord body joins every member of its chord (a DAG, not a tree).
        for (const member of all) {
          if (member.chordId === node.joinOf) edges.push({ from: member.id, to: node.id, kind: 'join' });
        }
        continue;
      }
      if (!node.parentId || node.id === rootId) continue;
      edges.push({ from: node.parentId, to: node.id, kind: 'next' });
      if (!nodes.has(node.parentId)) nodes.set(node.parentId, placeholder(node.parentId, rootId));
    }
    const list = [...nodes.values()].sort(
      (a, b) => (a.enqueuedAt ?? a.updatedAt) - (b.enqueuedAt ?? b.updatedAt),
    );
    const counts: Record<string, number> = {};
    for (const n of list) counts[n.state] = (counts[n.state] ?? 0) + 1;
    return { rootId, nodes: list, edges, counts, truncated };
  }

  #partitions(filter: ListFilter): Partition[] {
    const shards = Array.from({ length: ResultsSchema.shards }, (_, i) => i);
    if (filter.state !== undefined && filter.state !== TaskState.SUCCESS) {
      return shards.map((s) => ({
        index: ix.byState.name,
        key: ix.byState.partitionKey,
        value: `${filter.state}#${s}`,
      }));
    }
    const names = filter.task !== undefined ? [filter.task] : this.#taskNames;
    return names.flatMap((name) =>
      shards.map((s) => ({ index: ix.byTask.name, key: ix.byTask.partitionKey, value: `${name}#${s}` })),
    );
  }

  #source(p: Partition, filter: ListFilter): PartitionSource<{ row: TaskSummary; time: string }> {
    const names: Record<string, string> = { '#pk': p.key, '#exp': ResultsSchema.ttlAttribute };
    if (filter.since !== undefined || filter.until !== undefined) names['#t'] = ResultsSchema.timeKey;
    const values: Record<string, unknown> = { ':pk': p.value, ':now': Math.floor(this.#now() / 1000) };
    let keyCondition = '#pk = :pk';
    if (filter.since !== undefined && filter.until !== undefined) {
      keyCondition += ' AND #t BETWEEN :lo AND :hi';
    } else if (filter.since !== undefined) keyCondition += ' AND #t >= :lo';
    else if (filter.until !== undefined) keyCondition += ' AND #t <= :hi';
    if (filter.since !== undefined) values[':lo'] = new Date(filter.since).toISOString();
    if (filter.until !== undefined) values[':hi'] = `${new Date(filter.until).toISOString()}~`;
    const conditions = ['#exp > :now'];
    const eq = (attr: string, value: string | undefined) => {
      if (value === undefined) return;
      names[`#${attr}`] = attr;
      values[`:${attr}`] = value;
      conditions.push(`#${attr} = :${attr}`);
    };
    eq('state', filter.state);
    eq('task', filter.task);
    eq('queue', filter.queue);
    if (filter.tag !== undefined) {
      names['#tags'] = 'tags';
      values[':tag'] = filter.tag;
      conditions.push('contains(#tags, :tag)');
    }
    return {
      fetch: async (start, limit) => {
        const input: QueryCommandInput = {
          TableName: this.table,
          IndexName: p.index,
          KeyConditionExpression: keyCondition,
          FilterExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
          ScanIndexForward: false,
          Limit: limit,
          ...(start && start !== 'done'
            ? {
                ExclusiveStartKey: {
                  [ResultsSchema.partitionKey]: { S: start.id },
                  [p.key]: { S: p.value },
                  [ResultsSchema.timeKey]: { S: start.time },
                } satisfies Record<string, AttributeValue>,
              }
            : {}),
        };
        const out = await this.dynamodb.send(new QueryCommand(input));
        const items = (out.Items ?? []).map((raw) => {
          const item = unmarshall(raw);
          return { row: toSummary(item), time: String(item[ResultsSchema.timeKey]) };
        });
        const lek = out.LastEvaluatedKey;
        const last = lek
          ? { id: String(lek[ResultsSchema.partitionKey]?.S), time: String(lek[ResultsSchema.timeKey]?.S) }
          : undefined;
        return { items, ...(last ? { last } : {}) };
      },
    };
  }
}

function checkFilter(f: ListFilter): ListFilter {
  const out: Record<string, unknown> = {};
  if (f.state !== undefined) {
    if (f.state === TaskState.PENDING) {
      throw invalid(
        ErrorCode.INVALID_OPTION,
        'state',
        f.state,
        `${[TaskState.SUCCESS, ...INDEXED_STATES].join(', ')} (PENDING tasks have no stored item yet)`,
      );
    }
    if (f.state !== TaskState.SUCCESS && !INDEXED_STATES.includes(f.state)) {
      throw invalid(
        ErrorCode.INVALID_OPTION,
        'state',
        f.state,
        [TaskState.SUCCESS, ...INDEXED_STATES].join(', '),
      );
    }
    out.state = f.state;
  }
  for (const key of ['task', 'queue', 'tag'] as const) {
    const value = f[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
      throw invalid(ErrorCode.INVALID_OPTION, key, value, 'a non-empty string of at most 256 characters');
    }
    out[key] = value;
  }
  for (const key of ['since', 'until'] as const) {
    const value = f[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw invalid(ErrorCode.INVALID_OPTION, key, value, 'epoch milliseconds');
    }
    out[key] = value;
  }
  if (f.since !== undefined && f.until !== undefined && f.since > f.until) {
    throw invalid(ErrorCode.INVALID_OPTION, 'since', f.since, `at most until (${f.until})`);
  }
  return out as ListFilter;
}

function placeholder(id: string, rootId: string): TaskSummary {
  return {
    id,
    state: TaskState.PENDING,
    task: '',
    queue: '',
    attempts: 0,
    updatedAt: 0,
    rootId,
    tags: [],
    expiresAt: 0,
  };
}

function fnv(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
