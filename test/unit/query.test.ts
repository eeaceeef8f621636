import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  mergePartitions,
  type PartitionPosition,
  type PartitionSource,
} from '../../runtime/results/merge-cursor.js';
import { bucketize } from '../../runtime/results/stats-buckets.js';

type Row = { id: string; time: string };

/** An in-memory partition, newest first, counting its fetches. */
function partition(
  rows: Row[],
  keep: (r: Row) => boolean = () => true,
): PartitionSource<Row> & { calls: number } {
  const sorted = [...rows].sort((a, b) => (a.time < b.time ? 1 : -1));
  const source = {
    calls: 0,
    async fetch(start: PartitionPosition, limit: number) {
      source.calls++;
      const from = start && start !== 'done' ? sorted.findIndex((r) => r.time === start.time) + 1 : 0;
      const page = sorted.slice(from, from + limit);
      const last = from + limit < sorted.length ? page[page.length - 1] : undefined;
      return { items: page.filter(keep), ...(last ? { last } : {}) };
    },
  };
  return source;
}

const row = (id: string, second: number): Row => ({
  id,
  time: `${new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString()}#${id}`,
});

async function pageAll(sources: PartitionSource<Row>[], limit: number) {
  let positions: PartitionPosition[] = sources.map(() => undefined);
  const pages: string[][] = [];
  while (positions.some((p) => p !== 'done')) {
    const out = await mergePartitions(
      sources,
      positions,
      limit,
      (r) => r.time,
      (r) => r,
    );
    pages.push(out.items.map((r) => r.id));
    positions = out.positions;
    if (pages.length > 100) throw new Error('no progress');
  }
  return pages;
}

describe('mergePartitions', () => {
  it('merges partitions newest first across pages, each row once', async () => {
    const a = partition([row('a1', 1), row('a5', 5), row('a9', 9), row('a10', 10)]);
    const b = partition([row('b2', 2), row('b3', 3), row('b7', 7)]);
    const c = partition([]);
    const pages = await pageAll([a, b, c], 3);
    expect(pages).toEqual([['a10', 'a9', 'b7'], ['a5', 'b3', 'b2'], ['a1']]);
  });

  it('never emits an older row while another partition is unread', async () => {
    const many = Array.from({ length: 40 }, (_, i) => row(`x${i}`, i));
    const newest = partition([row('new', 59)]);
    const out = await mergePartitions(
      [partition(many), newest],
      [undefined, undefined],
      5,
      (r) => r.time,
      (r) => r,
    );
    expect(out.items.map((r) => r.id)).toEqual(['new', 'x39', 'x38', 'x37', 'x36']);
    expect(out.positions[1]).toBe('done');
  });

  it('skips filtered-out rows and resumes after them', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => row(`r${i}`, i));
    const keep = (r: Row) => Number(r.id.slice(1)) % 10 === 0;
    const pages = await pageAll([partition(rows, keep)], 2);
    expect(pages.flat()).toEqual(['r20', 'r10', 'r0']);
  });

  it('stops at its call budget with a resumable position instead of guessing', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => row(`r${i}`, i));
    const src = partition(rows, () => false);
    const out = await mergePartitions(
      [src],
      [undefined],
      5,
      (r) => r.time,
      (r) => r,
      2,
    );
    expect(out.items).toEqual([]);
    expect(src.calls).toBe(2);
    expect(out.positions[0]).toMatchObject({ id: expect.any(String) });
  });
});

describe('cursor', () => {
  const positions: PartitionPosition[] = [
    undefined,
    'done',
    { id: 'abc', time: '2026-01-01T00:00:00.000Z#abc' },
  ];

  it('round-trips as opaque base64url', () => {
    const cursor = encodeCursor('sig', positions);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'sig', 3)).toEqual(positions);
  });

  it('refuses a cursor made for other filters or garbage, saying why', () => {
    const cursor = encodeCursor('sig', positions);
    expect(() => decodeCursor(cursor, 'other', 3)).toThrow(/made for other filters/);
    expect(() => decodeCursor(cursor, 'sig', 4)).toThrow(/another set of tasks/);
    expect(() => decodeCursor('%%%', 'sig', 3)).toThrow(/not a cursor/);
    expect(() =>
      decodeCursor(Buffer.from('{"v":1,"s":"sig","p":[1,2,3]}').toString('base64url'), 'sig', 3),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('bucketize', () => {
  it('counts states per bucket with throughput, failures and latency percentiles', () => {
    const since = 0;
    const rows = [
      { state: 'SUCCESS', updatedAt: 100, runtimeMs: 10, startedAt: 50, enqueuedAt: 40 },
      { state: 'SUCCESS', updatedAt: 200, runtimeMs: 30, startedAt: 150, enqueuedAt: 100 },
      { state: 'FAILURE', updatedAt: 900, runtimeMs: 20 },
      { state: 'RETRY', updatedAt: 1_500 },
      { state: 'SUCCESS', updatedAt: 5_000 }, // outside the window
    ] as const;
    const buckets = bucketize(rows, since, 2_000, 1_000);
    expect(buckets).toHaveLength(2);
    expect(buckets[0]).toMatchObject({
      start: 0,
      counts: { SUCCESS: 2, FAILURE: 1 },
      finished: 3,
      failures: 1,
      runtimeP50: 20,
      runtimeP95: 30,
      waitP50: 50,
    });
    expect(buckets[1]).toMatchObject({ start: 1_000, counts: { RETRY: 1 }, finished: 0 });
    expect(buckets[1]!.runtimeP50).toBeUndefined();
  });
});
