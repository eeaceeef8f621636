import { Limits } from './constants.js';

/**
 * Group items by a key, preserving first-seen order of keys and items.
 *
 * @example
 * ```ts
 * groupBy(messages, (m) => m.queueUrl);
 * ```
 */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/**
 * Cut items into SQS batches: at most 10 entries and 1 MiB of payload each.
 *
 * @example
 * ```ts
 * packSqsBatches(entries, (e) => Buffer.byteLength(e.body));
 * ```
 */
export function packSqsBatches<T>(
  items: readonly T[],
  bytesOf: (item: T) => number,
  maxEntries: number = Limits.SQS_MAX_BATCH_ENTRIES,
  maxBytes: number = Limits.SQS_MAX_BATCH_BYTES,
): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (batch.length > 0 && (batch.length === maxEntries || bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
