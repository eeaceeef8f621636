import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { chain, createWorker, revoke, revokeWorkflow } from '../../runtime/internal.js';
import { scheduleNameFor } from '../../runtime/schedules/one-time.js';
import { nap, registry, seen, startedByRoot } from './fixtures/revoke-tasks.js';
import { drained, eventually, localStack, type ProbedWorker, probeWorker, waitForState } from './harness.js';

let stack: LocalStack;
let worker: ProbedWorker;

beforeAll(async () => {
  stack = await localStack(registry);
  worker = probeWorker(
    createWorker(registry, { client: stack.client, revokeCheckMs: 250, revocationRefreshMs: 250 }),
  );
  stack.startWorkers({ waitTimeSeconds: 1, handler: worker.handler });
});
afterAll(() => stack?.stop());

describe('revoke', () => {
  it('a queued (short-delayed) task never runs', async () => {
    const h = await nap.enqueue({ ms: 1 }, { client: stack.client, delay: '2s' });
    expect(await revoke(h.id, { client: stack.client, task: 'nap' })).toMatchObject({
      revoked: true,
      state: 'REVOKED',
    });
    // The message arrived after its delay and the worker has finished with it: skipped and deleted.
    expect(await worker.handled(h.id)).toEqual(['done']);
    expect(seen.get(h.id)).toBeUndefined();
    expect(await h.state()).toBe('REVOKED');
    await expect(h.result({ timeout: '1s' })).rejects.toMatchObject({ code: 'TASK_REVOKED' });
  });

  it('a long-delayed (scheduled) task has its schedule deleted', async () => {
    const h = await nap.enqueue({ ms: 1 }, { client: stack.client, delay: '3h' });
    const key = `${stack.config.scheduler!.group}/${scheduleNameFor(h.id)}`;
    expect(stack.scheduler.schedules.has(key)).toBe(true);
    const out = await revoke(h.id, { client: stack.client });
    expect(out).toMatchObject({ revoked: true, scheduleDeleted: true });
    expect(stack.scheduler.schedules.has(key)).toBe(false);
    expect(
      stack.scheduler.requests.some(
        (r) => r.operation === 'DeleteSchedule' && r.name === scheduleNameFor(h.id),
      ),
    ).toBe(true);
  });

  it('a running task receives its AbortSignal at the next check and ends REVOKED', async () => {
    const h = await nap.enqueue({ ms: 20_000 }, { client: stack.client });
    await eventually(async () => (seen.get(h.id) === 'started' ? true : undefined));
    const t0 = Date.now();
    await revoke(h.id, { client: stack.client });
    await eventually(async () => (seen.get(h.id) === 'aborted' ? true : undefined), 5_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    // The worker has finished with the aborted run (recorded, not retried): the record stays REVOKED.
    expect(await worker.handled(h.id)).toEqual(['done']);
    expect(await h.state()).toBe('REVOKED');
  });

  it('a finished task is not revoked', async () => {
    const h = await nap.enqueue({ ms: 1 }, { client: stack.client });
    await waitForState(stack, h.id, ['SUCCESS']);
    expect(await revoke(h.id, { client: stack.client })).toMatchObject({ revoked: false, state: 'SUCCESS' });
  });

  it('revokeWorkflow stops a running chain: later steps never run', async () => {
    const h = await chain(nap.si({ ms: 20_000 }), nap.si({ ms: 1 }), nap.si({ ms: 1 })).apply({
      client: stack.client,
    });
    await eventually(async () => (seen.get(h.rootId) === 'started' ? true : undefined));
    await revokeWorkflow(h.rootId, { client: stack.client });
    await eventually(async () => (seen.get(h.rootId) === 'aborted' ? true : undefined), 5_000);
    // The worker has finished with the root, so a next step it sent is in the queue; once the queue
    // is empty every message sent was handled, and none of the later steps ran.
    expect(await worker.handled(h.rootId)).toEqual(['done']);
    await drained(stack, stack.config.queues.default!.url);
    expect(startedByRoot.get(h.rootId)).toEqual([h.rootId]);
    expect(seen.get(h.resultIds[0]!)).toBeUndefined();
    expect(await stack.client.results.get(h.rootId)).toMatchObject({ state: 'REVOKED' });
  });

  it('prunes revocations whose hold has passed, keeping the list small', async () => {
    const { GetItemCommand, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { REVOCATIONS_ITEM_ID } = await import('../../runtime/worker/revocations.js');
    const key = { id: { S: REVOCATIONS_ITEM_ID } };
    // Seed the list (creating it if needed), then age two entries past their hold.
    await revoke('prune-seed', { client: stack.client, task: 'nap' });
    await stack.dynamodb.send(
      new UpdateItemCommand({
        TableName: stack.config.table,
        Key: key,
        UpdateExpression: 'SET #r.#a = :old, #r.#b = :old',
        ExpressionAttributeNames: { '#r': 'revoked', '#a': 'old-a', '#b': 'old-b' },
        ExpressionAttributeValues: { ':old': { N: '1' } },
      }),
    );
    await revoke('prune-new', { client: stack.client, task: 'nap' });
    const out = await stack.dynamodb.send(
      new GetItemCommand({ TableName: stack.config.table, Key: key, ConsistentRead: true }),
    );
    const listed = Object.keys(out.Item?.revoked?.M ?? {});
    expect(listed).toEqual(expect.arrayContaining(['prune-seed', 'prune-new']));
    expect(listed).not.toContain('old-a');
    expect(listed).not.toContain('old-b');
  });
});
