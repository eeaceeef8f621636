import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import {
  createRegistry,
  createWorker,
  enqueueMany,
  prepareMessage,
  Retry,
  TaskQuery,
  task,
} from '../../runtime/internal.js';
import { eventually, localStack, type ProbedWorker, probeWorker, waitForState } from './harness.js';

const ok = task('ri.ok', { queue: 'ri', tags: ['bulk'] }, ({ n }: { n: number }) => n * 2);
const flaky = task('ri.flaky', { queue: 'ri', retry: { maxAttempts: 4 } }, (_: null, ctx) => {
  if (ctx.attempt < 3) throw new Retry('100ms');
  return 'third time';
});
/** Never enqueued through the queue: handed to a worker directly. */
const slow = task('ri.slow', { queue: 'ri' }, async ({ ms }: { ms: number }) => {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
});
const registry = createRegistry({
  app: 'ri',
  queues: { ri: { batchSize: 10, maxConcurrency: 2 } },
  tasks: [ok, flaky, slow],
});

/** Write units by table and index, from DynamoDB's own ConsumedCapacity on every write. */
const units: Record<string, number> = {};
let worker: ProbedWorker;
let stack: LocalStack;
beforeAll(async () => {
  stack = await localStack(registry);
  stack.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const write = /^(Put|Update|Delete)Item/.test(String(context.commandName));
      if (write) (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      const out = await next(args);
      const c = (out.output as { ConsumedCapacity?: { Table?: { CapacityUnits?: number } } })
        .ConsumedCapacity as
        | {
            Table?: { CapacityUnits?: number };
            GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
          }
        | undefined;
      if (write && c) {
        units.table = (units.table ?? 0) + (c.Table?.CapacityUnits ?? 0);
        for (const [ix, v] of Object.entries(c.GlobalSecondaryIndexes ?? {}))
          units[ix] = (units[ix] ?? 0) + (v.CapacityUnits ?? 0);
      }
      return out;
    },
    { step: 'initialize', name: 'testWriteUnits' },
  );
  // One worker on the stack's own client, whose DynamoDB client this test instruments (the
  // default gives each lane a client of its own).
  worker = probeWorker(createWorker(registry, { client: stack.client }));
  stack.startWorkers({ waitTimeSeconds: 1, handler: worker.handler });
});
afterAll(() => stack?.stop());

const query = () =>
  new TaskQuery(stack.dynamodb, stack.config.table, {
    taskNames: stack.plan.tasks.map((t) => t.name),
    shards: stack.plan.table.shards,
  });

describe('results keys at the floor', () => {
  it('a success is indexed only as the carrier of its batch; successes are listed from summaries, each once, across pages', async () => {
    const N = 47;
    const handles = await enqueueMany(
      Array.from({ length: N }, (_, n) => ({ task: ok, args: { n } })),
      { client: stack.client },
    );
    const ids = handles.map((h) => (h.ok ? h.id : ''));
    for (const id of ids) await waitForState(stack, id, ['SUCCESS']);
    // Every write's units are counted once the worker has returned from each delivery.
    for (const id of ids) await worker.handled(id);
    const items = await Promise.all(
      ids.map(async (id) => {
        const raw = await stack.dynamodb.send(
          new GetItemCommand({ TableName: stack.config.table, Key: { id: { S: id } } }),
        );
        return unmarshall(raw.Item!);
      }),
    );
    // No success is in byState or byRoot; in byTask only a batch's carrier: the last success of
    // its batch, whose item also packs the batch's other successes.
    for (const item of items) {
      expect(item.gsState).toBeUndefined();
      expect(item.gsRoot).toBeUndefined();
      if (item.gsTask !== undefined)
        expect(item).toMatchObject({ kind: 'batch', entries: expect.any(String) });
      else expect(item.gsTime).toBeUndefined();
    }
    const carriers = items.filter((i) => i.gsTask !== undefined).length;
    expect(carriers).toBeGreaterThan(0);
    expect(carriers).toBeLessThanOrEqual(Math.ceil(N / 2));
    // Each success: its item (1 WCU); each batch: one index write (its carrier), or a separate
    // summary (item + index) when the last record of a batch could not carry it.
    expect(units.byState ?? 0).toBe(0);
    expect(units.byRoot ?? 0).toBe(0);
    expect((units.table! + (units.byTask ?? 0)) / N).toBeLessThanOrEqual(1.2);

    // Summaries are written after the batch's items: wait for the list to show every task.
    const listed = await eventually(
      async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await query().list({
            state: 'SUCCESS',
            task: 'ri.ok',
            tag: 'bulk',
            limit: 4,
            ...(cursor ? { cursor } : {}),
          });
          seen.push(...page.items.map((r) => r.id));
          cursor = page.cursor;
        } while (cursor);
        return seen.length >= N ? seen : undefined;
      },
      20_000,
      'every success listed',
    );
    expect(listed).toHaveLength(N);
    expect(new Set(listed)).toEqual(new Set(ids));
    const rows = (await query().list({ task: 'ri.ok', limit: 200 })).items;
    const row = rows.find((r) => r.id === ids[0])!;
    expect(row).toMatchObject({ state: 'SUCCESS', task: 'ri.ok', queue: 'ri', tags: ['bulk'], attempts: 1 });
    expect(row.runtimeMs).toBeGreaterThanOrEqual(0);
    const stats = await query().stats({ since: Date.now() - 120_000, bucketMs: 60_000 });
    expect(stats.totals.SUCCESS).toBeGreaterThanOrEqual(N);
  });

  it('a tag filter finds a success packed in a carrier whose own tags differ', async () => {
    // One batch of ten, handed straight to a worker: the tagged task finishes first, so another
    // record (untagged) carries the batch with the tagged one packed inside.
    const worker = createWorker(registry, { client: stack.client });
    const url = stack.config.queues.ri!.url;
    const arn = `arn:aws:sqs:us-east-1:000000000000:${url.slice(url.lastIndexOf('/') + 1)}`;
    const messages = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        prepareMessage(
          slow,
          { ms: n === 0 ? 0 : 100 + 10 * n },
          n === 0 ? { tags: ['tenant:7'] } : {},
          stack.client,
        ),
      ),
    );
    const out = await worker(
      {
        Records: messages.map((m, i) => ({
          messageId: `tag-${i}`,
          receiptHandle: `rh-tag-${i}`,
          body: m.body,
          attributes: { ApproximateReceiveCount: '1' },
          eventSourceARN: arn,
        })),
      },
      { awsRequestId: 'tag-batch', getRemainingTimeInMillis: () => 30_000 },
    );
    expect(out.batchItemFailures).toEqual([]);
    const tagged = messages[0]!.id;
    const carrier = unmarshall(
      (
        await stack.dynamodb.send(
          new GetItemCommand({ TableName: stack.config.table, Key: { id: { S: messages[9]!.id } } }),
        )
      ).Item!,
    );
    expect(carrier).toMatchObject({ kind: 'batch', tags: [] });
    const page = await query().list({ tag: 'tenant:7', task: 'ri.slow', limit: 200 });
    expect(page.items.map((r) => r.id)).toEqual([tagged]);
    expect((await query().list({ task: 'ri.slow', limit: 200 })).items).toHaveLength(10);
  });

  it('a task that retried leaves the RETRY list when it succeeds, and is listed as a success', async () => {
    const before = { ...units };
    const h = await flaky.enqueue(null, { client: stack.client });
    const done = await waitForState(stack, h.id, ['SUCCESS'], 30_000);
    expect(done.attempts).toBe(3);
    // The SUCCESS is readable before the worker has processed the write's response (and counted
    // its units): wait until the worker has returned from the third delivery.
    expect(await worker.handled(h.id, 3)).toEqual(['failed', 'failed', 'done']);
    // RETRY (enters byTask and byState: 1 + 1), RETRY again (rewritten in place: 1 + 1, not 2 + 2),
    // SUCCESS (leaves both: 1 + 1). The batch summary adds at most 1 to byTask.
    expect((units.byState ?? 0) - (before.byState ?? 0)).toBe(3);
    expect((units.byTask ?? 0) - (before.byTask ?? 0)).toBeLessThanOrEqual(4);
    const raw = await stack.dynamodb.send(
      new GetItemCommand({ TableName: stack.config.table, Key: { id: { S: h.id } } }),
    );
    expect(unmarshall(raw.Item!).gsState).toBeUndefined();
    const retrying = await query().list({ state: 'RETRY', limit: 200 });
    expect(retrying.items.map((r) => r.id)).not.toContain(h.id);
    await eventually(async () => {
      const page = await query().list({ state: 'SUCCESS', task: 'ri.flaky', limit: 200 });
      return page.items.some((r) => r.id === h.id && r.attempts === 3) ? true : undefined;
    });
  });
});
