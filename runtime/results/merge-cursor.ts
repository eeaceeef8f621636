import { ErrorCode, invalid } from '../errors.js';

/** Where a partition's scan stands: not started, finished, or after this (id, time key). */
export type PartitionPosition = undefined | 'done' | { readonly id: string; readonly time: string };

/** One index partition and how to read a page of it. */
export interface PartitionSource<T> {
  fetch(
    start: PartitionPosition,
    limit: number,
  ): Promise<{ items: T[]; last?: { id: string; time: string } }>;
}

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
