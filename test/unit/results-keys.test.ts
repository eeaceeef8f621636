import { describe, expect, it } from 'vitest';
import {
  expandSummary,
  isSummary,
  SUMMARY_MAX_ENTRIES,
  summaryItems,
} from '../../runtime/results/batch-summary.js';
import {
  allShardKeys,
  DEFAULT_SHARDS,
  MAX_SHARDS,
  resolveShards,
  shardKey,
  shardOf,
} from '../../runtime/results/shards.js';
import type { Transition } from '../../runtime/results/store.js';

const success = (id: string, extra: Partial<Transition> = {}): Transition => ({
  id,
  state: 'SUCCESS',
  task: 'send-email',
  queue: 'default',
  attempt: 1,
  rootId: id,
  tags: [],
  ttlMs: 86_400_000,
  enqueuedAt: 1_000,
  startedAt: 1_500,
  finishedAt: 1_700,
  ...extra,
});

describe('index shards', () => {
  it('defaults to 16 shards per key for each index, and checks overrides', () => {
    expect(DEFAULT_SHARDS).toEqual({ task: 16, state: 16, root: 16 });
    expect(resolveShards({ task: 64 })).toEqual({ task: 64, state: 16, root: 16 });
    for (const bad of [0, 1.5, MAX_SHARDS + 1, Number.NaN]) {
      expect(() => resolveShards({ root: bad })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    }
  });

  it('spreads ids evenly over the shards of a key, and readers list every shard', () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++)
      counts[shardOf(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 16)]++;
    // 10,000 tasks/s spread like this stay well under 1,000 writes/s on any one shard.
    expect(Math.max(...counts) / 16_000).toBeLessThan(1.25 / 16);
    expect(shardKey('FAILURE', 'abc', 16)).toBe(`FAILURE#${shardOf('abc', 16)}`);
    expect(allShardKeys('root-1', 3)).toEqual(['root-1#0', 'root-1#1', 'root-1#2']);
  });
});

describe('success summaries', () => {
  it('packs a batch of successes into one byTask item per task name and queue', () => {
    const items = summaryItems(
      [
        success('a'),
        success('b', { tags: ['vip'], rootId: 'r', parentId: 'p', chordId: 'c' }),
        success('c', { task: 'resize' }),
      ],
      2_000,
      DEFAULT_SHARDS,
      (() => {
        let n = 0;
        return () => `u${n++}`;
      })(),
    );
    expect(items).toHaveLength(2);
    const [email] = items as [Record<string, unknown>];
    expect(email).toMatchObject({
      id: 'batch#u0',
      kind: 'batch',
      state: 'SUCCESS',
      task: 'send-email',
      queue: 'default',
      tags: ['vip'],
      gsTask: shardKey('send-email', 'batch#u0', 16),
      expiresAt: Math.ceil((2_000 + 86_400_000) / 1000),
    });
    expect(email.gsState).toBeUndefined();
    expect(isSummary(email)).toBe(true);
    expect(expandSummary(email)).toEqual([
      {
        id: 'a',
        state: 'SUCCESS',
        task: 'send-email',
        queue: 'default',
        attempts: 1,
        updatedAt: 1_700,
        rootId: 'a',
        tags: [],
        expiresAt: Math.ceil((2_000 + 86_400_000) / 1000) * 1000,
        enqueuedAt: 1_000,
        startedAt: 1_500,
        finishedAt: 1_700,
        runtimeMs: 200,
      },
      expect.objectContaining({ id: 'b', rootId: 'r', parentId: 'p', chordId: 'c', tags: ['vip'] }),
    ]);
  });

  it('splits a large batch so no summary holds more than its maximum rows', () => {
    const many = Array.from({ length: SUMMARY_MAX_ENTRIES * 2 + 1 }, (_, i) => success(`t${i}`));
    const items = summaryItems(many, 5_000, DEFAULT_SHARDS, () => Math.random().toString(36).slice(2));
    expect(items.map((i) => expandSummary(i).length)).toEqual([SUMMARY_MAX_ENTRIES, SUMMARY_MAX_ENTRIES, 1]);
    expect(items.flatMap((i) => expandSummary(i).map((r) => r.id))).toEqual(many.map((t) => t.id));
  });

  it('keeps ten rows of a batch in one write unit', () => {
    const ids = Array.from(
      { length: 10 },
      (_, i) => `0b6f2a4e-8d1c-4c7e-9a55-${String(i).padStart(12, '0')}`,
    );
    const [item] = summaryItems(
      ids.map((id) =>
        success(id, {
          enqueuedAt: 1_700_000_000_000,
          startedAt: 1_700_000_000_050,
          finishedAt: 1_700_000_000_060,
        }),
      ),
      1_700_000_000_100,
      DEFAULT_SHARDS,
      () => '5f7e0c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b',
    );
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(1_024);
  });
});
