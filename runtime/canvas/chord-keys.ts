/**
 * Keys of a chord's join in the results table. A chord is stored as:
 * - one item per member result, `chord#<id>#m<index>` (written once, never rewritten);
 * - counter shards `chord#<id>#c<k>`, each holding the set of member indexes `i` with
 *   `i % shards === k` that are recorded (a set: a duplicate is never counted twice);
 * - the chord's own item `chord#<id>`: who fired the body, or which member failed it.
 * Every item is ~ constant size, so a chord of N members costs O(N) write units, not O(N²).
 */

/**
 * Members per counter shard. A shard holds its members' indexes in a number set (about 1 KB at
 * 250), so an update costs 1-2 write units and 250 members/s on one shard stay within 500 WCU/s.
 */
export const MEMBERS_PER_COUNTER_SHARD = 250;
/** Most counter shards a chord gets (one BatchGetItem of ≤ 100 keys reads them all with the chord item). */
export const MAX_COUNTER_SHARDS = 64;

/**
 * The chord's own item: firing claim and failure.
 *
 * @example
 * ```ts
 * chordKey('c1'); // 'chord#c1'
 * ```
 */
export const chordKey = (chordId: string): string => `chord#${chordId}`;

/**
 * The item holding member `index`'s result.
 *
 * @example
 * ```ts
 * memberKey('c1', 7); // 'chord#c1#m7'
 * ```
 */
export const memberKey = (chordId: string, index: number): string => `chord#${chordId}#m${index}`;

/**
 * The counter shard item `k`.
 *
 * @example
 * ```ts
 * counterKey('c1', 0); // 'chord#c1#c0'
 * ```
 */
export const counterKey = (chordId: string, shard: number): string => `chord#${chordId}#c${shard}`;

/**
 * How many counter shards a chord of `size` members uses: one per 250 members, 1 to 64. A chord
 * of 10,000 members gets 40 shards, so members finishing at 10,000/s put 250 updates/s (≤ 500
 * write units/s) on each key, half of what a key takes.
 *
 * @example
 * ```ts
 * counterShards(10);     // 1
 * counterShards(10_000); // 40
 * ```
 */
export function counterShards(size: number): number {
  return Math.min(MAX_COUNTER_SHARDS, Math.max(1, Math.ceil(size / MEMBERS_PER_COUNTER_SHARD)));
}

/**
 * The counter shard a member counts on.
 *
 * @example
 * ```ts
 * counterShardOf(47, 10_000); // 47 % 40 = 7
 * ```
 */
export function counterShardOf(index: number, size: number): number {
  return index % counterShards(size);
}

/**
 * How many members count on shard `k` (the indexes below `size` congruent to `k`): the shard is
 * complete when its set holds that many.
 *
 * @example
 * ```ts
 * shardQuota(0, 10_000); // 250 (40 shards: indexes 0, 40, …, 9,960)
 * ```
 */
export function shardQuota(shard: number, size: number): number {
  const shards = counterShards(size);
  return shard >= Math.min(shards, size) ? 0 : Math.floor((size - 1 - shard) / shards) + 1;
}
