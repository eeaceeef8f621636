import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { chain, createWorker, revoke, revokeWorkflow } from '../../runtime/internal.js';
import { scheduleNameFor } from '../../runtime/schedules/one-time.js';
import { nap, registry, seen, startedByRoot } from './fixtures/revoke-tasks.js';
import { drained, eventually, localStack, type ProbedWorker, probeWorker, waitForState } from './harness.js';

let stack: LocalStack;
let worker: ProbedWorker;
/** Every envelope the workers received, by task id. */
const delivered = new Map<string, { id: string; born?: number; root?: string }>();

beforeAll(async () => {
  stack = await localStack(registry);
  worker = probeWorker(
    createWorker(registry, { client: stack.client, revokeCheckMs: 250, revocationRefreshMs: 250 }),
  );
  stack.startWorkers({
    waitTimeSeconds: 1,
    handler: (event, context) => {
      for (const r of event.Records) delivered.set(JSON.parse(r.body).id, JSON.parse(r.body));
      return worker.handler(event, context);
    },
  });
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

  it('each revocation is its own item with a TTL; REVOKED is written before anything else', async () => {
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { revocationKey } = await import('../../runtime/worker/revocations.js');
    await revoke('own-item-a', { client: stack.client, task: 'nap' });
    await revoke('own-item-b', { client: stack.client, task: 'nap' });
    for (const id of ['own-item-a', 'own-item-b']) {
      const out = await stack.dynamodb.send(
        new GetItemCommand({
          TableName: stack.config.table,
          Key: { id: { S: revocationKey(id) } },
          ConsistentRead: true,
        }),
      );
      const until = Number(out.Item?.until?.N);
      expect(until).toBeGreaterThan(Date.now() + 14 * 86_400_000);
      expect(Number(out.Item?.expiresAt?.N)).toBe(Math.ceil(until / 1000));
      expect(out.Item?.gsTask ?? out.Item?.gsState ?? out.Item?.gsRoot).toBeUndefined();
    }
  });

  it('a delayed task keeps its schedule and state when the REVOKED write fails', async () => {
    const { CeleriacClient } = await import('../../runtime/internal.js');
    const h = await nap.enqueue({ ms: 1 }, { client: stack.client, delay: '3h' });
    const key = `${stack.config.scheduler!.group}/${scheduleNameFor(h.id)}`;
    // A client whose results table does not exist: every DynamoDB write fails.
    const broken = new CeleriacClient({
      config: { ...stack.config, table: 'no-such-table' },
      sqs: stack.sqs,
      dynamodb: stack.dynamodb,
      scheduler: stack.client.scheduler,
    });
    await expect(revoke(h.id, { client: broken, task: 'nap' })).rejects.toThrow();
    expect(stack.scheduler.schedules.has(key)).toBe(true);
    expect(await stack.client.results.get(h.id)).toBeUndefined();
    await revoke(h.id, { client: stack.client });
    expect(stack.scheduler.schedules.has(key)).toBe(false);
  });

  it('9,000 revocations later, revoke() still works and a batch reads only its own ids', async () => {
    const { BatchWriteItemCommand, DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { RevocationCache, revocationKey } = await import('../../runtime/worker/revocations.js');
    const until = String(Date.now() + 86_400_000);
    const ids = Array.from({ length: 9_000 }, (_, i) => `scale-${i}`);
    for (let i = 0; i < ids.length; i += 25) {
      await stack.dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [stack.config.table]: ids.slice(i, i + 25).map((id) => ({
              PutRequest: { Item: { id: { S: revocationKey(id) }, until: { N: until } } },
            })),
          },
        }),
      );
    }
    expect(await revoke('scale-last', { client: stack.client, task: 'nap' })).toMatchObject({
      revoked: true,
    });
    const keysRead: number[] = [];
    const dynamodb = new DynamoDBClient({
      region: stack.config.region,
      endpoint: stack.config.endpoints!.dynamodb!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { RequestItems?: Record<string, { Keys: unknown[] }> };
        keysRead.push(input.RequestItems?.[stack.config.table]?.Keys.length ?? 0);
        return next(args);
      },
      { step: 'initialize', name: 'countKeys' },
    );
    const cache = new RevocationCache(dynamodb, stack.config.table, { refreshMs: 1_000 });
    const revoked = await cache.lookup(['scale-4321', 'scale-last', 'not-revoked']);
    expect([...revoked].sort()).toEqual(['scale-4321', 'scale-last']);
    expect(keysRead).toEqual([3]);
    dynamodb.destroy();
  }, 60_000);
});

describe('the revocation horizon', () => {
  const horizonItem = async () => {
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const out = await stack.dynamodb.send(
      new GetItemCommand({
        TableName: stack.config.table,
        Key: { id: { S: '_revoked#*' } },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  };

  /** A worker on its own DynamoDB client, invoked directly, with its DynamoDB requests counted. */
  const countedWorker = async (now: () => number) => {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { CeleriacClient } = await import('../../runtime/internal.js');
    const calls: string[] = [];
    const dynamodb = new DynamoDBClient({
      region: stack.config.region,
      endpoint: stack.config.endpoints!.dynamodb!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
    const client = new CeleriacClient({ config: stack.config, sqs: stack.sqs, dynamodb, now });
    const handler = createWorker(registry, { client, revocationRefreshMs: 60_000 });
    const queueUrl = stack.config.queues.default!.url;
    const arn = `arn:aws:sqs:${stack.config.region}:000000000000:${queueUrl.slice(queueUrl.lastIndexOf('/') + 1)}`;
    const run = (bodies: readonly string[]) =>
      handler(
        {
          Records: bodies.map((body, i) => ({
            messageId: `horizon-${Date.now()}-${i}`,
            receiptHandle: 'unused',
            body,
            attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
            eventSource: 'aws:sqs',
            eventSourceARN: arn,
          })),
        },
        { awsRequestId: 'horizon', getRemainingTimeInMillis: () => 30_000 },
      );
    return { calls, client, run, destroy: () => dynamodb.destroy() };
  };

  it('revoke() raises the horizon to its time and never lowers it', async () => {
    const { CeleriacClient } = await import('../../runtime/internal.js');
    const before = Date.now();
    await revoke('horizon-now', { client: stack.client, task: 'nap' });
    const latest = Number((await horizonItem())?.latest?.N);
    expect(latest).toBeGreaterThanOrEqual(before);
    expect(latest).toBeLessThanOrEqual(Date.now());
    // A revoker whose clock is an hour behind does not move the horizon back.
    const late = new CeleriacClient({
      config: stack.config,
      sqs: stack.sqs,
      dynamodb: stack.dynamodb,
      now: () => Date.now() - 3_600_000,
    });
    await revoke('horizon-late', { client: late, task: 'nap' });
    expect(Number((await horizonItem())?.latest?.N)).toBe(latest);
    expect((await horizonItem())?.gsTask).toBeUndefined();
  });

  it('a batch minted after the newest revocation reads only the horizon, once per refresh', async () => {
    const { prepareMessage } = await import('../../runtime/internal.js');
    // Messages minted an hour from now: past the horizon and its five-minute clock margin.
    const w = await countedWorker(() => Date.now() + 3_600_000);
    const bodies = async (n: number) =>
      Promise.all(
        Array.from({ length: n }, async () => (await prepareMessage(nap, { ms: 1 }, {}, w.client)).body),
      );
    const first = await bodies(10);
    expect(JSON.parse(first[0]!).born).toBeGreaterThan(Date.now());
    expect((await w.run(first)).batchItemFailures).toEqual([]);
    expect((await w.run(await bodies(10))).batchItemFailures).toEqual([]);
    // The first batch reads the horizon and its ids at once; the next ones (refresh 60 s) read nothing.
    expect(w.calls.filter((c) => c === 'GetItemCommand')).toHaveLength(1);
    expect(w.calls.filter((c) => c === 'BatchGetItemCommand')).toHaveLength(1);
    const third = await bodies(10);
    expect((await w.run(third)).batchItemFailures).toEqual([]);
    expect(w.calls.filter((c) => c.endsWith('GetItemCommand'))).toHaveLength(2);
    for (const body of [...first, ...third]) expect(seen.get(JSON.parse(body).id)).toBe('finished');
    w.destroy();
  });

  it("a workflow's later messages carry the mint time of its apply(); a child workflow's carry none", async () => {
    const before = Date.now();
    const h = await chain(nap.si({ ms: 1 }), nap.si({ ms: 1 }), nap.si({ ms: 1 })).apply({
      client: stack.client,
    });
    await h.result({ timeout: '20s' });
    const steps = [...delivered.values()].filter((e) => e.root === h.rootId || e.id === h.rootId);
    expect(steps).toHaveLength(3);
    expect(steps[0]?.born).toBeGreaterThanOrEqual(before);
    for (const step of steps) expect(step.born).toBe(steps[0]?.born);
    const child = await chain(nap.si({ ms: 1 }), nap.si({ ms: 1 })).apply({
      client: stack.client,
      parent: { id: h.rootId, rootId: h.rootId },
    });
    await child.result({ timeout: '20s' });
    for (const id of child.resultIds) {
      expect(delivered.get(id)?.root).toBe(h.rootId);
      expect(delivered.get(id)?.born).toBeUndefined();
    }
  });

  it('an id revoked before it was enqueued (a caller-chosen id) is still read and skipped', async () => {
    await revoke('chosen-before', { client: stack.client, task: 'nap' });
    const { prepareMessage } = await import('../../runtime/internal.js');
    const w = await countedWorker(() => Date.now() + 3_600_000);
    // A first batch reads the horizon; the batch after it reads only what it must.
    await w.run([(await prepareMessage(nap, { ms: 1 }, {}, w.client)).body]);
    const chosen = (await prepareMessage(nap, { ms: 1 }, { id: 'chosen-before' }, w.client)).body;
    const minted = (await prepareMessage(nap, { ms: 1 }, {}, w.client)).body;
    expect(JSON.parse(chosen).born).toBeUndefined();
    const readsBefore = w.calls.filter((c) => c === 'BatchGetItemCommand').length;
    expect((await w.run([chosen, minted])).batchItemFailures).toEqual([]);
    expect(seen.get('chosen-before')).toBeUndefined();
    expect(seen.get(JSON.parse(minted).id)).toBe('finished');
    // The caller-chosen id was read (one BatchGetItem); the minted one needed no read.
    expect(w.calls.filter((c) => c === 'BatchGetItemCommand').length - readsBefore).toBe(1);
    w.destroy();
  });
});
