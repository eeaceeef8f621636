import { ErrorCode, invalid } from '../errors.js';

/**
 * How many shards each results index's partition key is split into. Every key of an index is
 * `<value>#<shard>`, the shard a hash of the item's id, so one task name, state or workflow
 * spreads its writes over that many partitions (each takes about 1,000 write units/s).
 * Writers and readers must use the same counts: they travel in the plan and the client config.
 */
export interface ResultShards {
  /** `byTask`: per task name (its failures, retries, running tasks and success summaries). */
  readonly task: number;
  /** `byState`: per state other than SUCCESS. */
  readonly state: number;
  /** `byRoot`: per workflow. */
  readonly root: number;
}

/**
 * Default shard counts, sized for 10,000 tasks/s per task name (and per state, and per
 * workflow) with every item ≤ 1 KB: 10,000 write units/s over 16 partitions is 625 per
 * partition, under the 1,000 each can take. docs/operations.md has the scale model.
 */
export const DEFAULT_SHARDS: ResultShards = { task: 16, state: 16, root: 16 };

/** Most shards of one index key (a list reads every shard of every key it covers). */
export const MAX_SHARDS = 256;

/**
 * Fill in and check shard counts.
 *
 * @throws CeleriacError `INVALID_OPTION` for a count that is not an integer from 1 to 256.
 * @example
 * ```ts
 * resolveShards({ task: 32 }); // { task: 32, state: 16, root: 16 }
 * ```
 */
export function resolveShards(partial: Partial<ResultShards> = {}): ResultShards {
  const out = { ...DEFAULT_SHARDS };
  for (const key of Object.keys(DEFAULT_SHARDS) as (keyof ResultShards)[]) {
    const value = partial[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1 || value > MAX_SHARDS) {
      throw invalid(
        ErrorCode.INVALID_OPTION,
        `results shards.${key}`,
        value,
        `an integer from 1 to ${MAX_SHARDS}`,
      );
    }
    out[key] = value;
  }
  return out;
}

/**
 * The shard of an id: FNV-1a over its characters, modulo the shard count.
 *
 * @example
 * ```ts
 * shardOf('3f1c…', 16); // 0..15
 * ```
 */
export function shardOf(id: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * An index partition key: the value, then the id's shard.
 *
 * @example
 * ```ts
 * shardKey('send-email', id, 16); // 'send-email#7'
 * ```
 */
export function shardKey(value: string, id: string, shards: number): string {
  return `${value}#${shardOf(id, shards)}`;
}

/**
 * Every partition key of one value, shard 0 first: what a reader queries.
 *
 * @example
 * ```ts
 * allShardKeys('FAILURE', 2); // ['FAILURE#0', 'FAILURE#1']
 * ```
 */
export function allShardKeys(value: string, shards: number): string[] {
  return Array.from({ length: shards }, (_, i) => `${value}#${i}`);
}
