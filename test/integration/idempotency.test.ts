import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { add, registry, runs } from './fixtures/canvas-tasks.js';
import { localStack, queueCounts } from './harness.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await localStack(registry);
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'] });
});
afterAll(() => stack?.stop());

describe('idempotency keys on enqueue', () => {
  it('the same key within the window yields the same task, sent once', async () => {
    const key = `order-${Date.now()}`;
    const [a, b] = await Promise.all([
      add.enqueue({ x: 1, y: 2 }, { client: stack.client, idempotencyKey: key }),
      add.enqueue({ x: 1, y: 2 }, { client: stack.client, idempotencyKey: key }),
    ]);
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^idem-[0-9a-f]{40}-/);
    const c = await add.enqueue({ x: 1, y: 2 }, { client: stack.client, idempotencyKey: key });
    expect(c.id).toBe(a.id);
    expect(await c.result({ timeout: '20s' })).toBe(3);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(runs.get(a.id)).toBe(1);
    expect((await queueCounts(stack, stack.config.queues.default!.url)).visible).toBe(0);
    const other = await add.enqueue({ x: 1, y: 2 }, { client: stack.client, idempotencyKey: `${key}-b` });
    expect(other.id).not.toBe(a.id);
  });

  it('a key whose window ended enqueues again, under a new id', async () => {
    const key = `short-${Date.now()}`;
    const first = await add.enqueue(
      { x: 2, y: 2 },
      { client: stack.client, idempotencyKey: key, idempotencyWindow: '1s' },
    );
    await new Promise((r) => setTimeout(r, 2_100));
    const second = await add.enqueue(
      { x: 2, y: 2 },
      { client: stack.client, idempotencyKey: key, idempotencyWindow: '1s' },
    );
    expect(second.id).not.toBe(first.id);
    expect(await second.result({ timeout: '20s' })).toBe(4);
  });

  it('refuses a key together with an explicit id', async () => {
    await expect(
      add.enqueue({ x: 1, y: 1 }, { client: stack.client, idempotencyKey: 'k', id: 'mine' }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});
