import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventSourceMapping } from '../../infra/local/event-source.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { CeleriacClient } from '../../runtime/index.js';
import { add, registry, runs } from './fixtures/canvas-tasks.js';
import { drained, localStack } from './harness.js';

let stack: LocalStack;
let mapping: EventSourceMapping;

beforeAll(async () => {
  stack = await localStack(registry);
  [mapping] = stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'] }) as [EventSourceMapping];
});
afterAll(() => stack?.stop());

describe('idempotency keys on enqueue', () => {
  it('the same key within the window yields the same task, sent once', async () => {
    const key = `order-${Date.now()}`;
    const received = mapping.stats.records;
    const [a, b] = await Promise.all([
      add.enqueue({ x: 1, y: 2 }, { client: stack.client, idempotencyKey: key }),
      add.enqueue({ x: 1, y: 2 }, { client: stack.client, idempotencyKey: key }),
    ]);
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^idem-[0-9a-f]{40}-/);
    const c = await add.enqueue({ x: 1, y: 2 }, { client: stack.client, idempotencyKey: key });
    expect(c.id).toBe(a.id);
    expect(await c.result({ timeout: '20s' })).toBe(3);
    // Every message sent so far has been received, handled and deleted: a second send would have run.
    await drained(stack, stack.config.queues.default!.url);
    expect(mapping.stats.records - received).toBe(1);
    expect(runs.get(a.id)).toBe(1);
    const other = await add.enqueue({ x: 1, y: 2 }, { client: stack.client, idempotencyKey: `${key}-b` });
    expect(other.id).not.toBe(a.id);
  });

  it('a key whose window ended enqueues again, under a new id', async () => {
    const key = `short-${Date.now()}`;
    const first = await add.enqueue(
      { x: 2, y: 2 },
      { client: stack.client, idempotencyKey: key, idempotencyWindow: '1s' },
    );
    // A producer whose clock reads 2.1 s later: the 1 s window has ended for it, without waiting.
    const later = new CeleriacClient({
      config: stack.config,
      sqs: stack.sqs,
      dynamodb: stack.dynamodb,
      now: () => Date.now() + 2_100,
    });
    const second = await add.enqueue(
      { x: 2, y: 2 },
      { client: later, idempotencyKey: key, idempotencyWindow: '1s' },
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
