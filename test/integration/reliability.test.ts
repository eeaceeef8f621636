import { randomBytes } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, onTestFinished } from 'vitest';
import { queueCounts as readQueueCounts } from '../../infra/api/ops/queues.js';
import type { EventSourceMapping, InvocationInfo } from '../../infra/local/event-source.js';
import type { FaultRequest } from '../../infra/local/fault-proxy.js';
import { LOCAL_CREDENTIALS, type LocalStack } from '../../infra/local/stack.js';
import { WorkflowHandle } from '../../runtime/canvas/workflow-handle.js';
import { CeleriacClient, CeleriacError, chain, chord, type TaskRecord } from '../../runtime/index.js';
import {
  euros,
  finishedIds,
  finishes,
  flaky,
  hangNext,
  measure,
  member,
  once,
  plain,
  registry,
  setOnHang,
  slowRetry,
  starts,
  sum,
} from './fixtures/reliability-tasks.js';
import { eventually, localStack, newPrefix, observerClient, takeAll } from './harness.js';

/**
 * The failure matrix of docs/operations.md ("Guarantees"), one test per row, on the local stack
 * with its workers (one execution environment per lane) behind the fault-injection proxy. Each
 * row asserts: no task lost (every record reaches a final state and the queue drains), no
 * SUCCESS overwritten, every run-once body finished once, every record final.
 */

let stack: LocalStack;
let offsetMs = 0;
/** Reads that bypass the proxy: the test observes, the runtime gets the faults. */
let observer: CeleriacClient;
let mappings: EventSourceMapping[];
const invocations: InvocationInfo[] = [];
/** Requests the proxy may fault (all unless a row narrows it). */
let eligible: (r: FaultRequest) => boolean = () => true;

beforeAll(async () => {
  stack = await localStack(registry, newPrefix(), {
    schedulerNow: () => Date.now() + offsetMs,
    faults: { rates: {}, eligible: (r) => eligible(r) },
  });
  observer = observerClient(stack);
  mappings = stack.startWorkers({ waitTimeSeconds: 1, onInvoke: (info) => invocations.push(info) });
}, 60_000);
afterAll(() => stack?.stop());
beforeEach(() => {
  stack.faults!.setRates({});
  eligible = () => true;
});

const FINAL = ['SUCCESS', 'FAILURE', 'REVOKED'];
const queue = () => stack.config.queues.default!;
const rid = (what: string) => `${what}-${randomBytes(4).toString('hex')}`;

/** A producer whose every SQS send reaches the queue twice: SQS's at-least-once, made certain. */
function duplicatingProducer(): CeleriacClient {
  const sqs = new SQSClient({
    region: stack.config.region,
    endpoint: inject('sqsEndpoint'),
    credentials: LOCAL_CREDENTIALS,
  });
  return new CeleriacClient({ config: stack.config, sqs: duplicate(sqs), dynamodb: stack.dynamodb });
}

function duplicate(sqs: SQSClient): SQSClient {
  sqs.middlewareStack.add(
    (next) => async (args) => {
      await next(args);
      return next(args);
    },
    { step: 'initialize', name: 'sendTwice' },
  );
  return sqs;
}

/** Records the workers have been given so far, over every lane. */
const delivered = () => mappings.reduce((n, m) => n + m.stats.records, 0);

/** Nothing visible, in flight or delayed on the queue (read without faults). */
function drained(url = queue().url, timeoutMs = 60_000): Promise<true> {
  return eventually(
    async () => {
      const c = await readQueueCounts(observer, url);
      return c.visible + c.inFlight + c.delayed === 0 ? true : undefined;
    },
    timeoutMs,
    'the queue to drain',
  );
}

/**
 * The row's invariants: every id reaches a final state (none lost), a SUCCESS is the last event
 * of its history (never overwritten), every run-once body finished once, and the queue drains.
 */
async function expectSettled(
  ids: readonly string[],
  runOnce: readonly string[] = [],
  timeoutMs = 60_000,
): Promise<TaskRecord[]> {
  const records = await Promise.all(
    ids.map((id) =>
      eventually(
        async () => {
          const rec = await observer.results.get(id);
          return rec && FINAL.includes(rec.state) ? rec : undefined;
        },
        timeoutMs,
        `task ${id} to be final`,
      ),
    ),
  );
  for (const rec of records) {
    const success = rec.history.findIndex((e) => e.state === 'SUCCESS');
    if (success >= 0)
      expect([rec.id, rec.state, success]).toEqual([rec.id, 'SUCCESS', rec.history.length - 1]);
  }
  for (const id of runOnce)
    expect([id, finishes.get(id), records.find((r) => r.id === id)?.state]).toEqual([id, 1, 'SUCCESS']);
  await drained();
  return records;
}

/** Enqueue `n` plain and `m` run-once tasks with known ids. */
async function enqueueMix(prefix: string, n: number, m: number, client = stack.client) {
  const plains = Array.from({ length: n }, (_, i) => `${prefix}-p${i}`);
  const onces = Array.from({ length: m }, (_, i) => `${prefix}-o${i}`);
  await Promise.all([
    ...plains.map((id, i) => plain.enqueue({ n: i }, { client, id })),
    ...onces.map((id, i) => once.enqueue({ n: i }, { client, id })),
  ]);
  return { plains, onces };
}

describe('failure matrix', () => {
  it('worker killed mid-batch: the batch comes back, nothing lost, run-once bodies finish once', async () => {
    const prefix = rid('kill');
    let kills = 0;
    // The moment a body starts to hang, every running invocation is killed (its process "dies").
    setOnHang(() => {
      kills += mappings.reduce((n, m) => n + m.kill('worker killed'), 0);
    });
    onTestFinished(() => setOnHang(() => undefined));
    // One kill: a message killed more often than its attempts would end WorkerLost, by design.
    hangNext.add(`${prefix}-o0`);
    const { plains, onces } = await enqueueMix(prefix, 8, 3);
    const records = await expectSettled([...plains, ...onces], onces);
    expect(kills).toBeGreaterThanOrEqual(1);
    expect(invocations.filter((i) => i.outcome === 'killed').length).toBeGreaterThanOrEqual(1);
    expect(records.map((r) => r.state)).toEqual(records.map(() => 'SUCCESS'));
    // The killed run-once body started twice (the first never finished): it finished once.
    expect([starts.get(`${prefix}-o0`), finishes.get(`${prefix}-o0`)]).toEqual([2, 1]);
    for (const [i, id] of plains.entries()) expect((await observer.results.get(id))?.result).toBe(i * 2);
  }, 90_000);

  it('store down (DynamoDB refusing): batches are handed back, then every task completes once the store is back', async () => {
    const prefix = rid('down');
    const before = invocations.filter((i) => i.outcome !== 'ok' || i.failed > 0).length;
    const refused = stack.faults!.stats.targets.dynamodb.refuse;
    stack.faults!.setRates({}, { dynamodb: { refuse: 1 } });
    const { plains, onces } = await enqueueMix(prefix, 6, 2);
    // Positive signal: the workers met the dead store and handed batches back.
    await eventually(
      async () =>
        invocations.filter((i) => i.outcome !== 'ok' || i.failed > 0).length > before &&
        stack.faults!.stats.targets.dynamodb.refuse > refused
          ? true
          : undefined,
      30_000,
      'a batch to fail against the refusing store',
    );
    stack.faults!.setRates({});
    const records = await expectSettled([...plains, ...onces], onces, 90_000);
    expect(records.map((r) => r.state)).toEqual(records.map(() => 'SUCCESS'));
  }, 120_000);

  it('store hanging (DynamoDB dropping connections): hung invocations end, and the workers recover', async () => {
    const prefix = rid('hang');
    const dropped = stack.faults!.stats.targets.dynamodb.drop;
    stack.faults!.setRates({}, { dynamodb: { drop: 1 } });
    const { plains, onces } = await enqueueMix(prefix, 6, 2);
    await eventually(
      async () => (stack.faults!.stats.targets.dynamodb.drop > dropped + 2 ? true : undefined),
      30_000,
      'store requests to be dropped',
    );
    stack.faults!.setRates({});
    const records = await expectSettled([...plains, ...onces], onces, 90_000);
    expect(records.map((r) => r.state)).toEqual(records.map(() => 'SUCCESS'));
  }, 120_000);

  it('queue hanging at enqueue (SQS dropping connections): enqueue fails in bounded time, a retry is run once', async () => {
    const id = rid('enq');
    eligible = (r) => r.target === 'sqs' && r.operation.startsWith('SendMessage');
    stack.faults!.setRates({}, { sqs: { drop: 1 } });
    const started = Date.now();
    const outcome = await Promise.race([
      plain.enqueue({ n: 21 }, { client: stack.client, id }).then(
        () => 'sent',
        (err: unknown) => err,
      ),
      eventually(
        async () => (Date.now() - started > 30_000 ? 'still pending after 30 s' : undefined),
        31_000,
      ),
    ]);
    stack.faults!.setRates({});
    expect(outcome).toBeInstanceOf(CeleriacError);
    expect(['CALL_DEADLINE', 'SEND_FAILED']).toContain((outcome as CeleriacError).code);
    // The producer retries with the same id: run once.
    await plain.enqueue({ n: 21 }, { client: stack.client, id });
    const [rec] = await expectSettled([id]);
    expect([rec!.state, rec!.result, finishes.get(id)]).toEqual(['SUCCESS', 42, 1]);
  }, 90_000);

  it('duplicate delivery of an ordinary task: one SUCCESS, never overwritten', async () => {
    const producer = duplicatingProducer();
    onTestFinished(() => producer.sqs.destroy());
    const ids = Array.from({ length: 5 }, (_, i) => `${rid('dup')}-${i}`);
    const before = delivered();
    await Promise.all(ids.map((id, n) => plain.enqueue({ n }, { client: producer, id })));
    const records = await expectSettled(ids);
    // Both copies of every message were delivered.
    expect(delivered() - before).toBeGreaterThanOrEqual(2 * ids.length);
    expect(records.map((r) => [r.state, r.history.filter((e) => e.state === 'SUCCESS').length])).toEqual(
      ids.map(() => ['SUCCESS', 1]),
    );
    // At-least-once: a body may run once per copy, never more.
    for (const id of ids) expect(finishes.get(id)).toBeLessThanOrEqual(2);
  }, 90_000);

  it('duplicate delivery of a run-once task: the body runs once', async () => {
    const producer = duplicatingProducer();
    onTestFinished(() => producer.sqs.destroy());
    const ids = Array.from({ length: 5 }, (_, i) => `${rid('dup1')}-${i}`);
    const before = delivered();
    await Promise.all(ids.map((id, n) => once.enqueue({ n }, { client: producer, id })));
    const records = await expectSettled(ids, ids);
    expect(delivered() - before).toBeGreaterThanOrEqual(2 * ids.length);
    expect(records.map((r) => r.result)).toEqual(ids.map((_, n) => ({ charged: n })));
  }, 90_000);

  it('duplicate delivery of chord members: one chord body, recorded once, with every member counted once', async () => {
    const producer = duplicatingProducer();
    onTestFinished(() => producer.sqs.destroy());
    const sumsBefore = finishedIds.get('rel.sum')?.length ?? 0;
    const before = delivered();
    const h = await chord(
      Array.from({ length: 6 }, (_, n) => member.si({ n: n + 1 })),
      sum.s(),
    ).apply({ client: producer });
    expect(await new WorkflowHandle(h.rootId, h.ref, observer).result({ timeout: '60s' })).toBe(21);
    await drained();
    // One member claims the firing; when that member's duplicate arrives it sends the body again
    // under the same fixed id (the first send may have been lost): one body task, recorded once,
    // run at most once per copy.
    const runs = (finishedIds.get('rel.sum') ?? []).slice(sumsBefore);
    const bodies = [...new Set(runs)];
    expect([bodies.length, runs.length <= 2]).toEqual([1, true]);
    // Six members sent twice each, and the body.
    expect(delivered() - before).toBeGreaterThanOrEqual(13);
    await expectSettled(bodies);
  }, 90_000);

  it('duplicate delivery of a cron firing: the firing runs once', async () => {
    offsetMs = 61_000;
    await stack.scheduler.tick();
    offsetMs = 0;
    const firing = stack.scheduler.firings.findLast((f) => f.schedule.endsWith('minutely'))!;
    const id = `beat-minutely-${firing.scheduledTime}`;
    await expectSettled([id], [id]);
    // The same firing delivered twice more (Scheduler and SQS are both at-least-once).
    for (let i = 0; i < 2; i++)
      await observer.sqs.send(new SendMessageCommand({ QueueUrl: queue().url, MessageBody: firing.body }));
    const [rec] = await expectSettled([id], [id]);
    expect(rec!.history.filter((e) => e.state === 'SUCCESS')).toHaveLength(1);
  }, 90_000);

  it('poison bodies of every shape: each ends recorded or dead-lettered once, none loops', async () => {
    await takeAll(stack, queue().dlqUrl);
    const withId = (what: string) => `poison-${what}-${randomBytes(3).toString('hex')}`;
    const recorded = {
      version: withId('version'),
      unknownTask: withId('unknown'),
      task: withId('task'),
    };
    const bodies = [
      'not json {',
      ' ',
      'null',
      '42',
      '"a string"',
      '[]',
      '{}',
      '{"v":1}',
      '{"v":1,"id":42,"task":"rel.plain"}',
      'x'.repeat(900_000),
      // Multibyte, not JSON (fauxqs refuses characters past U+FFFF, which AWS accepts).
      'é€'.repeat(1_000),
      JSON.stringify({ v: 99, id: recorded.version, task: 'rel.plain', args: { n: 1 } }),
      JSON.stringify({
        v: 1,
        id: recorded.unknownTask,
        task: 'rel.nope',
        args: {},
        queue: 'default',
        enqueuedAt: 1,
      }),
      JSON.stringify({ v: 1, id: recorded.task, task: 42, args: {}, queue: 'default', enqueuedAt: 1 }),
    ];
    const polluter = withId('proto');
    for (const body of bodies)
      await observer.sqs.send(new SendMessageCommand({ QueueUrl: queue().url, MessageBody: body }));
    // A body trying prototype pollution is an ordinary task, and pollutes nothing.
    await observer.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue().url,
        MessageBody: `{"__proto__":{"polluted":true},"v":1,"id":"${polluter}","task":"rel.plain","args":{"n":4},"queue":"default","enqueuedAt":1}`,
      }),
    );
    const records = await expectSettled([...Object.values(recorded), polluter]);
    expect(records.map((r) => r.state)).toEqual(['FAILURE', 'FAILURE', 'FAILURE', 'SUCCESS']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    // One DLQ copy per poison body (the valid polluter excepted), none twice.
    const copies = await eventually(
      async () => {
        const c = await readQueueCounts(observer, queue().dlqUrl);
        return c.visible >= bodies.length ? c.visible : undefined;
      },
      30_000,
      'every poison body in the DLQ',
    );
    expect(copies).toBe(bodies.length);
    const taken = await takeAll(stack, queue().dlqUrl);
    expect(taken.map((m) => m.Body).sort()).toEqual([...bodies].sort());
  }, 90_000);

  it('oversized and multibyte results: stored or truncated in bytes, passed on whole, or failed with a clear error', async () => {
    // 100,000 euro signs: 300 KB of UTF-8, under the stored-result limit; 150,000: 450 KB, stored truncated.
    const small = await chain(euros.si({ n: 100_000 }), measure.s()).apply({ client: stack.client });
    const large = await chain(euros.si({ n: 150_000 }), measure.s()).apply({ client: stack.client });
    // 400,000: 1.2 MB, more than an SQS message can carry to the next step.
    const huge = await chain(euros.si({ n: 400_000 }), measure.s()).apply({ client: stack.client });
    const emoji = await euros.enqueue({ n: 1 }, { client: stack.client });
    const wait = { timeout: '60s' } as const;
    expect(await new WorkflowHandle(small.rootId, small.ref, observer).result(wait)).toBe(100_000);
    expect(await new WorkflowHandle(large.rootId, large.ref, observer).result(wait)).toBe(150_000);
    const [smallRec, largeRec, hugeRec, emojiRec] = await expectSettled([
      small.rootId,
      large.rootId,
      huge.rootId,
      emoji.id,
    ]);
    expect(smallRec!.result).toBe('€'.repeat(100_000));
    expect([largeRec!.state, largeRec!.truncated]).toEqual(['SUCCESS', ['result']]);
    expect(hugeRec!.state).toBe('FAILURE');
    expect(hugeRec!.error?.message.length).toBeLessThan(1_000);
    expect(emojiRec!.result).toBe('€');
  }, 120_000);

  it('attempts beyond the queue: retried past its maxReceiveCount through fresh copies, then FAILURE once in the DLQ', async () => {
    await takeAll(stack, queue().dlqUrl);
    const budget = stack.plan.queues.find((q) => q.name === 'default')!.maxReceiveCount;
    const attempts = budget + 2;
    const h = await flaky.si({}, { maxAttempts: attempts }).apply({ client: stack.client });
    const [rec] = await expectSettled([h.rootId], [], 90_000);
    expect([rec!.state, rec!.attempts, finishes.get(h.rootId)]).toEqual(['FAILURE', attempts, attempts]);
    expect(rec!.history.filter((e) => e.state === 'RETRY')).toHaveLength(attempts - 1);
    await eventually(
      async () => ((await readQueueCounts(observer, queue().dlqUrl)).visible >= 1 ? true : undefined),
      30_000,
      'the DLQ copy',
    );
    expect(await takeAll(stack, queue().dlqUrl)).toHaveLength(1);
  }, 120_000);

  it('a long backoff leaves the queue: the retry waits as a delayed copy, not in flight, and keeps its attempt count', async () => {
    const h = await slowRetry.enqueue({ n: 3 }, { client: stack.client });
    await eventually(
      async () => ((await observer.results.get(h.id))?.state === 'RETRY' ? true : undefined),
      30_000,
      'the RETRY record',
    );
    // The 6 s backoff (over the 5 s in-flight threshold) waits delayed: nothing of it is in flight.
    const counts = await eventually(
      async () => {
        const c = await readQueueCounts(observer, queue().url);
        return c.delayed === 1 && c.inFlight === 0 ? c : undefined;
      },
      10_000,
      'the retry to wait as a delayed copy',
    );
    expect(counts).toMatchObject({ visible: 0, inFlight: 0, delayed: 1 });
    const [rec] = await expectSettled([h.id], [], 30_000);
    expect([rec!.state, rec!.attempts, rec!.result]).toEqual(['SUCCESS', 2, { n: 3, attempt: 2 }]);
  }, 60_000);
});
