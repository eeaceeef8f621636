import { describe, expect, it } from 'vitest';
import {
  chordKey,
  counterKey,
  counterShardOf,
  counterShards,
  MAX_COUNTER_SHARDS,
  memberKey,
  shardQuota,
} from '../../runtime/canvas/chord-keys.js';

describe('chord join keys', () => {
  it('names the chord item, one item per member and the counter shards apart', () => {
    expect(chordKey('c')).toBe('chord#c');
    expect(memberKey('c', 12)).toBe('chord#c#m12');
    expect(counterKey('c', 3)).toBe('chord#c#c3');
  });

  it('sizes counter shards at one per 250 members, 1 to 64', () => {
    expect(counterShards(1)).toBe(1);
    expect(counterShards(250)).toBe(1);
    expect(counterShards(251)).toBe(2);
    expect(counterShards(10_000)).toBe(40);
    expect(counterShards(1_000_000)).toBe(MAX_COUNTER_SHARDS);
  });

  it('gives every member exactly one shard, and the quotas add up to the size', () => {
    for (const size of [1, 2, 7, 500, 501, 9_999, 10_000, 20_000]) {
      const shards = counterShards(size);
      const counts = new Array(shards).fill(0);
      for (let i = 0; i < size; i++) counts[counterShardOf(i, size)]++;
      expect(counts).toEqual(Array.from({ length: shards }, (_, k) => shardQuota(k, size)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(size);
      expect(Math.max(...counts)).toBeLessThanOrEqual(Math.max(250, Math.ceil(size / MAX_COUNTER_SHARDS)));
    }
  });
});
