/**
 * The results table's scale model: for each DynamoDB key the design writes, how many write units
 * a task costs there and the task rate at which that key reaches a partition's ceiling. Pure
 * arithmetic over the shard counts and AWS's published limits (aws-limits.md), printed by
 * `test/bench/cost.ts` so docs/operations.md quotes printed figures.
 */
import { counterShards, MEMBERS_PER_COUNTER_SHARD } from '../../runtime/canvas/chord-keys.js';
import { DEFAULT_SHARDS, type ResultShards } from '../../runtime/results/shards.js';

/** Write units per second one partition key takes (aws-limits.md). */
export const PARTITION_WCU_PER_S = 1_000;
/** Read units per second one partition key takes. */
export const PARTITION_RCU_PER_S = 3_000;
/** Write units per second a new on-demand table serves at once, and its default ceiling. */
export const TABLE_INITIAL_WCU_PER_S = 4_000;
export const TABLE_DEFAULT_MAX_WCU_PER_S = 40_000;

/** One row of the model. */
export interface ScaleRow {
  readonly key: string;
  readonly what: string;
  /** Partitions the load spreads over. */
  readonly partitions: number;
  /** Write units at this key per unit of load (task, failure, member…), items ≤ 1 KB. */
  readonly wcuPerUnit: number;
  /** Load per second at which the busiest partition of the key reaches 1,000 WCU/s. */
  readonly ceilingPerS: number;
  /** The load the key sees at 10,000 tasks/s per task name. */
  readonly at10kPerS: number;
  /** Share of the ceiling used at that load. */
  readonly utilisation: number;
}

/** Options of {@link scaleModel}. */
export interface ScaleOptions {
  readonly shards?: ResultShards;
  /** Records per Lambda invocation (successes per summary). @default 10 */
  readonly batchSize?: number;
  /** Members of the chord modelled. @default 10,000 */
  readonly chordMembers?: number;
}

/**
 * The model's rows, sized for 10,000 tasks/s per task name.
 *
 * @example
 * ```ts
 * for (const r of scaleModel()) console.log(r.key, r.ceilingPerS);
 * ```
 */
export function scaleModel(options: ScaleOptions = {}): ScaleRow[] {
  const shards = options.shards ?? DEFAULT_SHARDS;
  const batch = options.batchSize ?? 10;
  const members = options.chordMembers ?? 10_000;
  const rate = 10_000;
  const row = (
    key: string,
    what: string,
    partitions: number,
    wcuPerUnit: number,
    at10kPerS: number,
  ): ScaleRow => {
    const ceilingPerS = Math.floor((PARTITION_WCU_PER_S * partitions) / wcuPerUnit);
    return {
      key,
      what,
      partitions,
      wcuPerUnit,
      ceilingPerS,
      at10kPerS,
      utilisation: at10kPerS / ceilingPerS,
    };
  };
  const chordShards = counterShards(members);
  return [
    row('id (task item)', 'tasks/s, any name (one key per task)', Number.POSITIVE_INFINITY, 1, rate),
    row(
      'byTask task#shard, batch carriers and summaries',
      `tasks/s per task name (one index write per batch of ${batch})`,
      shards.task,
      1 / batch,
      rate,
    ),
    row('byTask task#shard, failures', 'FAILURE/s per task name', shards.task, 1, rate),
    row(
      'byTask task#shard, retries',
      'RETRY/s per task name (sorted by enqueue time: rewritten in place)',
      shards.task,
      1,
      rate,
    ),
    row('byState state#shard', 'FAILURE/s, all task names together', shards.state, 1, rate),
    row(
      'byState state#shard, retries',
      'RETRY/s, all task names together (rewritten in place)',
      shards.state,
      1,
      rate,
    ),
    row('byRoot root#shard', 'members/s of one workflow (one write each)', shards.root, 1, rate),
    row(
      `chord counter chord#id#c<k> (${chordShards} shards at ${members} members)`,
      `members/s of one chord (≤ ${MEMBERS_PER_COUNTER_SHARD} indexes per shard set: ≤ 2 WCU per update, counted as 2)`,
      chordShards,
      2,
      Math.min(rate, members),
    ),
  ].map((r) =>
    Number.isFinite(r.partitions) ? r : { ...r, ceilingPerS: Number.POSITIVE_INFINITY, utilisation: 0 },
  );
}

/**
 * Table-wide load at a task rate: write units per second, against what a new on-demand table
 * serves at once and its default ceiling.
 *
 * @example
 * ```ts
 * tableLoad(10_000, 1.2); // { wcuPerS: 12000, … }
 * ```
 */
export function tableLoad(tasksPerS: number, wcuPerTask: number) {
  const wcuPerS = tasksPerS * wcuPerTask;
  return {
    tasksPerS,
    wcuPerS,
    overInitialOnDemand: wcuPerS > TABLE_INITIAL_WCU_PER_S,
    underDefaultCeiling: wcuPerS <= TABLE_DEFAULT_MAX_WCU_PER_S,
  };
}
