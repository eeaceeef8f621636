import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import {
  CeleriacClient,
  chain,
  chord,
  getWorkflow,
  group,
  setDefaultClient,
  TaskHandle,
  WorkflowHandle,
} from '../../runtime/index.js';
import { type CallCounts, countCalls } from '../bench/counting.js';
import { add, double, mul, quota, registry, spawner, xsum } from './fixtures/canvas-tasks.js';
import { eventually, localStack, waitForState } from './harness.js';

// Handles know their family (Celery: result.parent, result.children), and waiting on a big
// group reads its members in batches.

let stack: LocalStack;

beforeAll(async () => {
  stack = await localStack(registry);
  // `spawner` applies a canvas from inside its handler, through the default client.
  setDefaultClient(stack.client);
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'] });
});
afterAll(async () => {
  setDefaultClient(undefined);
  await stack?.stop();
});

const opts = () => ({ client: stack.client });
const T = { timeout: '30s' } as const;

describe('handles know their family', () => {
  it("Celery: result.parent walks back a chain's steps", async () => {
    const h = await chain(
      add.si({ x: 1, y: 1 }),
      mul.s({ y: 3 }, { resultKey: 'x' }),
      group(double.s(), double.s()),
      xsum.s(),
    ).apply(opts());
    expect(await h.result(T)).toBe(24);
    const groupStep = h.parent!;
    expect(await groupStep.result(T)).toEqual([12, 12]);
    expect(await groupStep.parent!.result(T)).toBe(6);
    expect(await groupStep.parent!.parent!.result(T)).toBe(2);
    expect(groupStep.parent!.parent!.parent).toBeUndefined();
    expect(groupStep.parent!.parent!.resultIds).toEqual([h.rootId]);
    expect(h.parents.map((p) => p.resultIds.length)).toEqual([1, 1, 2]);
  });

  it('Celery: result.children lists the tasks a task spawned (links, the next chain step, a chord body)', async () => {
    const linked = await add
      .si({ x: 2, y: 3 })
      .link(double.s())
      .link(mul.s({ y: 10 }, { resultKey: 'x' }))
      .apply(opts());
    const root = new TaskHandle(linked.rootId, 'add', stack.client);
    const kids = await eventually(async () => {
      const found = await root.children();
      return found.length === 2 ? found : undefined;
    });
    expect(kids.map((k) => k.taskName).sort()).toEqual(['double', 'mul']);
    expect((await Promise.all(kids.map((k) => k.result(T)))).sort()).toEqual([10, 50]);

    const c = await chain(add.si({ x: 1, y: 1 }), double.s()).apply(opts());
    await c.result(T);
    const next = await new TaskHandle(c.rootId, 'add', stack.client).children();
    expect(next.map((k) => k.id)).toEqual(c.resultIds);

    const ch = await chord([add.si({ x: 1, y: 0 })], xsum.s()).apply(opts());
    await ch.result(T);
    const fired = await new TaskHandle(ch.rootId, 'add', stack.client).children();
    expect(fired.map((k) => k.id)).toEqual(ch.resultIds);
    // A nested canvas started inside a task with { parent: ctx } joins its workflow as its child.
    const spawned = await spawner.si({ n: 2 }).apply(opts());
    const lastId = (await spawned.result(T)) as string;
    const spawnerKids = await eventually(async () => {
      const found = await new TaskHandle(spawned.rootId, 'spawner', stack.client).children();
      return found.length ? found : undefined;
    });
    expect(spawnerKids.map((k) => k.taskName)).toEqual(['add']);
    expect(await new TaskHandle(lastId, 'double', stack.client).result(T)).toBe(8);
    const graph = await getWorkflow(spawned.rootId, opts());
    expect(graph.nodes.map((n) => n.task).sort()).toEqual(['add', 'double', 'spawner']);
    // A failed step spawned nothing: the steps recorded as never run are not its children.
    const failed = await chain(add.si({ x: 1, y: 1 }), quota.si({ left: 1 }), double.s()).apply(opts());
    await failed.result(T).catch(() => undefined);
    const quotaId = failed.parent!.resultIds[0]!;
    // Both records exist first, so an empty list is not the answer for an unknown task.
    await waitForState(stack, quotaId, ['FAILURE']);
    await waitForState(stack, failed.rootId, ['SUCCESS']);
    expect(await new TaskHandle(quotaId, 'quota', stack.client).children()).toEqual([]);
    expect((await new TaskHandle(failed.rootId, 'add', stack.client).children()).map((k) => k.id)).toEqual([
      quotaId,
    ]);
    // A task with nothing after it has no children.
    expect(await new TaskHandle(ch.resultIds[0]!, 'xsum', stack.client).children()).toEqual([]);
  });
});

describe('waiting on a big group', () => {
  it('reads the members in BatchGetItems of 100 ids a round, never one GetItem loop per member', async () => {
    const members = 300;
    const h = await group(...Array.from({ length: members }, (_, i) => add.si({ x: i, y: 0 }))).apply(opts());
    // A separate client, so only the wait's own requests are counted.
    const waiter = new CeleriacClient({ config: stack.config });
    const counts: CallCounts = new Map();
    countCalls(waiter.dynamodb, counts);
    const handle = new WorkflowHandle<number[]>(h.rootId, h.ref, waiter);
    const values = await handle.result({ timeout: '60s' });
    expect(values).toEqual(Array.from({ length: members }, (_, i) => i));
    expect(counts.get('GetItemCommand') ?? 0).toBe(0);
    expect(counts.get('BatchGetItemCommand')).toBeGreaterThan(0);
    // Once every member is done, one round: ⌈300 / 100⌉ = 3 requests.
    counts.clear();
    await handle.result(T);
    expect(Object.fromEntries(counts)).toEqual({ BatchGetItemCommand: 3 });
    waiter.dynamodb.destroy();
  });
});
