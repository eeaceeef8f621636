import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { enqueueMany } from '../../runtime/internal.js';
import { limited, perTenant, registry, starts } from './fixtures/limit-tasks.js';
import { localStack } from './harness.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await localStack(registry);
  stack.startWorkers({ waitTimeSeconds: 1 });
});
afterAll(() => stack?.stop());

const perWindow = (list: { at: number }[]) => {
  const counts = new Map<number, number>();
  for (const s of list) counts.set(Math.floor(s.at / 1000), (counts.get(Math.floor(s.at / 1000)) ?? 0) + 1);
  return [...counts.values()];
};

describe('rate limits', () => {
  it('holds "3/s" across a burst of 12: no window runs more than 3, none fails, none spends a retry', async () => {
    const results = await enqueueMany(
      Array.from({ length: 12 }, (_, i) => ({ task: limited, args: { i } })),
      { client: stack.client },
    );
    const handles = results.map((r) => (r.ok ? r.handle : undefined)!);
    const attempts = await Promise.all(handles.map((h) => h.result({ timeout: '40s' })));
    // Every run was its task's first attempt, although most were deferred several times
    // (more deferrals than maxAttempts: 2 and than the queue's maxReceiveCount: 5).
    expect(attempts).toEqual(Array(12).fill(1));
    const mine = starts.filter((s) => handles.some((h) => h.id === s.id));
    expect(mine).toHaveLength(12);
    expect(Math.max(...perWindow(mine))).toBeLessThanOrEqual(3);
    expect(perWindow(mine).length).toBeGreaterThanOrEqual(4);
  });

  it('limits per key: each tenant has its own window', async () => {
    const results = await enqueueMany(
      ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'].map((tenant) => ({ task: perTenant, args: { tenant } })),
      { client: stack.client },
    );
    await Promise.all(results.map((r) => (r.ok ? r.handle.result({ timeout: '30s' }) : null)));
    for (const tenant of ['a', 'b']) {
      const runs = starts.filter((s) => s.tenant === tenant);
      expect(runs).toHaveLength(4);
      expect(Math.max(...perWindow(runs))).toBeLessThanOrEqual(2);
    }
  });
});
