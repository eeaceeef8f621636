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
import { expandSummary, isSummary } from './batch-summary.js';
import {
  decodeCursor,
  encodeCursor,
  mergePartitions,
  type PartitionPosition,
  type PartitionSource,
} from './merge-cursor.js';
import { INDEXED_STATES, ResultsSchema, SUMMARY_KIND } from './schema.js';
import { allShardKeys, type ResultShards, resolveShards } from './shards.js';
import { bucketize, type StatsBucket } from './stats-buckets.js';
import type { TaskSummary } from './summary.js';
import { ttlToMs } from './ttl.js';
import { type WorkflowEdge, workflowEdges } from './workflow-members.js';

export type { TaskSummary } from './summary.js';

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
  readonly edges: WorkflowEdge[];
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
  /** Index shard counts, as the writers use them (the plan's `table.shards`). @default DEFAULT_SHARDS */
  readonly shards?: Partial<ResultShards>;
}

const LIST_MAX = 200;
const LIST_DEFAULT = 50;
const MAX_BUCKETS = 500;
const ix = ResultsSchema.indexes;

/** Turn an index or table item into a list row. */
export function toSummary(item: Record<string, unknown>): TaskSummary {
  const out: Record<string, unknown> = { tags: [] };
  for (const key of ['id', ...ResultsSchema.projected]) {
    if (item[key] !== undefined && key !== 'kind' && key !== 'entries') out[key] = item[key];
  }
  out.expiresAt = ttlToMs(item[ResultsSchema.ttlAttribute]);
  return out as unknown as TaskSummary;
}

interface Partition {
  readonly index: string;
  readonly key: string;
  readonly value: string;
  /** The index's sort key attribute. @default ResultsSchema.timeKey */
  readonly sortKey?: string;
}

/** A list row, the sort key it is ordered by, and the id of the item it came from. */
interface Row {
  readonly row: TaskSummary;
  readonly time: string;
  readonly key: string;
}

/** Rows expanded from one summary item get `<item time>|<9999 - position>`: newest first, in order. */
const ROW_SUFFIX = '|';
const rowTime = (itemTime: string, position: number) =>
  `${itemTime}${ROW_SUFFIX}${String(9999 - position).padStart(4, '0')}`;
/** Split a position inside a summary item into the item's sort key and the rows already read. */
function splitRowTime(time: string): { itemTime: string; after: number } | undefined {
  const at = time.lastIndexOf(ROW_SUFFIX);
  if (at < 0) return undefined;
  return { itemTime: time.slice(0, at), after: 9999 - Number(time.slice(at + 1)) };
}

/**
 * Reads the results table for the API, dashboard and CLI: filtered, paginated task lists,
 * counts over time and workflows. Queries only (no Scan); expired items never appear.
 *
 * Unfiltered lists and SUCCESS lists read `byTask` across the given task names (successes come
 * from the batches' summary items, expanded into rows, listed at the time their batch was
 * recorded); other states read the sparse `byState` index. Each index key is sharded, so a page
 * merges `names × shards` (or `shards`) partitions newest first.
 *
 * @example
 * ```ts
 * const query = new TaskQuery(client.dynamodb, client.config.table, {
 *   taskNames: planOf(registry).tasks.map((t) => t.name),
 * });
 * const page = await query.list({ state: 'FAILURE', limit: 20 });
 * const next = await query.list({ state: 'FAILURE', limit: 20, cursor: page.cursor });
 * ```
 */
export class TaskQuery {
  readonly #taskNames: readonly string[];
  readonly #now: () => number;
  readonly #shards: ResultShards;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    readonly table: string,
    options: TaskQueryOptions,
  ) {
    this.#taskNames = [...new Set(options.taskNames)].sort();
    this.#now = options.now ?? Date.now;
    this.#shards = resolveShards(options.shards);
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
      (r) => ({ id: r.key, time: r.time }),
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
    let truncated = false;
    await Promise.all(
      allShardKeys(rootId, this.#shards.root).map(async (value) => {
        const members = this.#source(
          { index: ix.byRoot.name, key: ix.byRoot.partitionKey, value, sortKey: ix.byRoot.sortKey },
          {},
        );
        let from: PartitionPosition;
        do {
          if (nodes.size >= maxNodes) {
            truncated = true;
            return;
          }
          const out = await members.fetch(from, 500);
          for (const r of out.items) nodes.set(r.row.id, r.row);
          from = out.last;
        } while (from);
      }),
    );
    if (nodes.size === 0) return undefined;
    const edges = workflowEdges([...nodes.values()].filter((n) => n.id !== rootId || !n.parentId));
    for (const e of edges) if (!nodes.has(e.from)) nodes.set(e.from, placeholder(e.from, rootId));
    const list = [...nodes.values()].sort(
      (a, b) => (a.enqueuedAt ?? a.updatedAt) - (b.enqueuedAt ?? b.updatedAt),
    );
    const counts: Record<string, number> = {};
    for (const n of list) counts[n.state] = (counts[n.state] ?? 0) + 1;
    return { rootId, nodes: list, edges, counts, truncated };
  }

  #partitions(filter: ListFilter): Partition[] {
    if (filter.state !== undefined && filter.state !== TaskState.SUCCESS) {
      return allShardKeys(filter.state, this.#shards.state).map((value) => ({
        index: ix.byState.name,
        key: ix.byState.partitionKey,
        value,
      }));
    }
    const names = filter.task !== undefined ? [filter.task] : this.#taskNames;
    return names.flatMap((name) =>
      allShardKeys(name, this.#shards.task).map((value) => ({
        index: ix.byTask.name,
        key: ix.byTask.partitionKey,
        value,
      })),
    );
  }

  #source(p: Partition, filter: ListFilter): PartitionSource<Row> {
    const sortKey = p.sortKey ?? ResultsSchema.timeKey;
    const names: Record<string, string> = { '#pk': p.key, '#exp': ResultsSchema.ttlAttribute };
    if (filter.since !== undefined || filter.until !== undefined) names['#t'] = sortKey;
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
      // A batch carrier's own tags need not include its packed rows' tags: rows are filtered here.
      names['#kind'] = 'kind';
      values[':summary'] = SUMMARY_KIND;
      conditions.push('(contains(#tags, :tag) OR #kind = :summary)');
    }
    const nowSec = Math.floor(this.#now() / 1000);
    const keep = (row: TaskSummary) => filter.tag === undefined || row.tags.includes(filter.tag);
    const rowsOf = (item: Record<string, unknown>, after = -1): Row[] => {
      const time = String(item[sortKey]);
      const key = String(item[ResultsSchema.partitionKey]);
      if (!isSummary(item)) return [{ row: toSummary(item), time, key }];
      // A task item that carries its batch's summary is a row itself, then the packed rows.
      const own = item.attempts !== undefined ? [toSummary(item)] : [];
      return [...own, ...expandSummary(item)]
        .map((row, i) => ({ row, time: rowTime(time, i), key }))
        .filter((r, i) => i > after && keep(r.row));
    };
    return {
      fetch: async (start, limit) => {
        const head: Row[] = [];
        let from = start && start !== 'done' ? start : undefined;
        const inside = from ? splitRowTime(from.time) : undefined;
        if (from && inside) {
          // The previous page stopped inside a summary item: the rest of its rows come first.
          const out = await this.dynamodb.send(
            new GetItemCommand({
              TableName: this.table,
              Key: { [ResultsSchema.partitionKey]: { S: from.id } },
            }),
          );
          const item = out.Item ? unmarshall(out.Item) : undefined;
          if (item && Number(item[ResultsSchema.ttlAttribute]) > nowSec)
            head.push(...rowsOf(item, inside.after));
          from = { id: from.id, time: inside.itemTime };
        }
        const input: QueryCommandInput = {
          TableName: this.table,
          IndexName: p.index,
          KeyConditionExpression: keyCondition,
          FilterExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall(values),
          ScanIndexForward: false,
          Limit: limit,
          ...(from
            ? {
                ExclusiveStartKey: {
                  [ResultsSchema.partitionKey]: { S: from.id },
                  [p.key]: { S: p.value },
                  [sortKey]: { S: from.time },
                } satisfies Record<string, AttributeValue>,
              }
            : {}),
        };
        const out = await this.dynamodb.send(new QueryCommand(input));
        const items = [...head, ...(out.Items ?? []).flatMap((raw) => rowsOf(unmarshall(raw)))];
        const lek = out.LastEvaluatedKey;
        const last = lek
          ? { id: String(lek[ResultsSchema.partitionKey]?.S), time: String(lek[sortKey]?.S) }
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
