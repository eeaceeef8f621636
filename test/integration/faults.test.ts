import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createApi } from '../../infra/api/app.js';
import { startFaultProxy } from '../../infra/local/fault-proxy.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { isThrottle, isTransientAwsError } from '../../runtime/aws-errors.js';
import { WorkflowHandle } from '../../runtime/canvas/workflow-handle.js';
import { CeleriacClient, CeleriacError, chain, chord, group } from '../../runtime/index.js';
import { SCHEDULE_RETRY, scheduleNameFor } from '../../runtime/schedules/one-time.js';
import { double, registry, runs, total } from './fixtures/throttle-tasks.js';
import { localStack, newPrefix, observerClient } from './harness.js';

let stack: LocalStack;
let offsetMs = 0;
/** Reads and waits that bypass the proxy: the test observes, the runtime is what gets faults. */
let observer: CeleriacClient;

beforeAll(async () => {
  stack = await localStack(registry, newPrefix(), {
    schedulerNow: () => Date.now() + offsetMs,
    faults: { rates: {} },
  });
  observer = observerClient(stack);
});
afterAll(() => stack?.stop());

const proxy = () => stack.faults!;
const credentials = { accessKeyId: 'l', secretAccessKey: 'l' };
/** SDK clients through the proxy, without retries (each call sees the fault). */
function rawClients(requestTimeout?: number) {
  const common = {
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    ...(requestTimeout ? { requestHandler: { requestTimeout, throwOnRequestTimeout: true } } : {}),
  };
  return {
    sqs: new SQSClient({ ...common, endpoint: proxy().endpoints.sqs! }),
    dynamodb: new DynamoDBClient({ ...common, endpoint: proxy().endpoints.dynamodb! }),
    scheduler: new SchedulerClient({ ...common, endpoint: proxy().endpoints.scheduler! }),
  };
}

/** One call per service, each error caught. */
async function callEach(c: ReturnType<typeof rawClients>) {
  const queueUrl = stack.config.queues.default!.url;
  const [sqs, dynamodb, scheduler] = await Promise.all([
    c.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl })).catch((e: unknown) => e),
    c.dynamodb.send(new DescribeTableCommand({ TableName: stack.config.table })).catch((e: unknown) => e),
    c.scheduler
      .send(new GetScheduleCommand({ Name: 'nothing', GroupName: stack.config.scheduler!.group }))
      .catch((e: unknown) => e),
  ]);
  return { sqs, dynamodb, scheduler } as Record<
    'sqs' | 'dynamodb' | 'scheduler',
    Error & { $metadata?: { httpStatusCode?: number }; code?: string }
  >;
}

describe('the fault-injection proxy', () => {
  it('throttles in each service wire format, which the real SDK reads as its throttling errors', async () => {
    proxy().setRates({ throttle: 1 });
    const c = rawClients();
    const seen = { sqs: new Set<string>(), dynamodb: new Set<string>(), scheduler: new Set<string>() };
    for (let i = 0; i < 12; i++) {
      const errors = await callEach(c);
      for (const key of ['sqs', 'dynamodb', 'scheduler'] as const) {
        expect(isThrottle(errors[key]), `${key}: ${String(errors[key])}`).toBe(true);
        seen[key].add(`${errors[key].name} ${errors[key].$metadata?.httpStatusCode}`);
      }
    }
    proxy().setRates({});
    expect([...seen.sqs].sort()).toEqual(['RequestThrottled 403', 'ThrottlingException 400']);
    expect([...seen.dynamodb].sort()).toEqual([
      'ProvisionedThroughputExceededException 400',
      'ThrottlingException 400',
    ]);
    expect([...seen.scheduler]).toEqual(['ThrottlingException 429']);
    // And without faults the same calls reach the servers.
    const ok = await callEach(c);
    expect(ok.sqs).toHaveProperty('Attributes');
    expect(ok.dynamodb).toHaveProperty('Table');
    expect(ok.scheduler.name).toBe('ResourceNotFoundException');
    for (const client of Object.values(c)) client.destroy();
  });

  it('answers 5xx, resets connections and holds requests unanswered, each seen by the SDK as transient', async () => {
    const c = rawClients(500);
    proxy().setRates({ serverError: 1 });
    const errors = await callEach(c);
    for (const e of Object.values(errors)) {
      expect([500, 503]).toContain(e.$metadata?.httpStatusCode);
      expect(isTransientAwsError(e)).toBe(true);
    }
    proxy().setRates({ refuse: 1 });
    for (const e of Object.values(await callEach(c))) {
      expect(e.code, String(e)).toBe('ECONNRESET');
      expect(isTransientAwsError(e)).toBe(true);
    }
    const before = proxy().stats.targets.dynamodb.drop;
    proxy().setRates({ drop: 1 });
    const started = Date.now();
    for (const e of Object.values(await callEach(c))) {
      expect(e.name, String(e)).toBe('TimeoutError');
      expect(isTransientAwsError(e)).toBe(true);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(proxy().stats.targets.dynamodb.drop).toBe(before + 1);
    proxy().setRates({});
    for (const client of Object.values(c)) client.destroy();
  });

  it('listens on loopback only', async () => {
    const endpoints = Object.values(proxy().endpoints).map((e) => new URL(e));
    expect(endpoints.map((u) => u.hostname)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4');
    if (external) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect({ host: external.address, port: Number(endpoints[0]!.port) });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      expect(outcome).toBe('ECONNREFUSED');
    }
  });
});

describe('under 20% throttling of SQS, DynamoDB and Scheduler', () => {
  it('loses no task, runs no successful body twice, and completes every workflow', async () => {
    runs.clear();
    proxy().setRates({ throttle: 0.2 });
    const before = structuredClone(proxy().stats.targets);
    const outcomes: Record<string, number> = {};
    const mappings = stack.startWorkers({
      waitTimeSeconds: 1,
      onInvoke: (info) => {
        outcomes[info.outcome] = (outcomes[info.outcome] ?? 0) + 1;
      },
    });
    onTestFinished(async () => {
      proxy().setRates({});
      offsetMs = 0;
      await Promise.all(mappings.map((m) => m.stop()));
    });
    const client = stack.client;

    const singles = await Promise.all(
      Array.from({ length: 120 }, (_, n) => double.enqueue({ n }, { client })),
    );
    const chains = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        chain(double.si({ n }), double.s({}, { resultKey: 'n' }), double.s({}, { resultKey: 'n' })).apply({
          client,
        }),
      ),
    );
    const chords = await Promise.all(
      Array.from({ length: 6 }, (_, c) =>
        chord(
          Array.from({ length: 5 }, (_, n) => double.si({ n: c * 10 + n })),
          total.s(),
        ).apply({ client }),
      ),
    );
    const groups = await Promise.all(
      Array.from({ length: 4 }, (_, g) =>
        group(...Array.from({ length: 4 }, (_, n) => double.si({ n: g + n }))).apply({ client }),
      ),
    );
    const delayed = await Promise.all(
      Array.from({ length: 25 }, (_, n) => double.enqueue({ n: 1000 + n }, { client, delay: '2h' })),
    );
    // Every long delay reached the Scheduler, throttled or not.
    const group_ = stack.config.scheduler!.group;
    for (const h of delayed)
      expect(stack.scheduler.schedules.has(`${group_}/${scheduleNameFor(h.id)}`)).toBe(true);
    offsetMs = 3 * 3_600_000;
    await stack.scheduler.tick();

    const wait = { timeout: '180s' } as const;
    const results = await Promise.all(singles.map((h) => handleResult(h.id, h.taskName)));
    expect(results).toEqual(singles.map((_, n) => n * 2));
    for (const [n, h] of chains.entries()) {
      expect(await new WorkflowHandle(h.rootId, h.ref, observer).result(wait)).toBe(n * 8);
    }
    for (const [c, h] of chords.entries()) {
      const expected = Array.from({ length: 5 }, (_, n) => (c * 10 + n) * 2).reduce((a, b) => a + b, 0);
      expect(await new WorkflowHandle(h.rootId, h.ref, observer).result(wait)).toBe(expected);
    }
    for (const [g, h] of groups.entries()) {
      expect(await new WorkflowHandle(h.rootId, h.ref, observer).result(wait)).toEqual(
        Array.from({ length: 4 }, (_, n) => (g + n) * 2),
      );
    }
    for (const [n, h] of delayed.entries()) expect(await handleResult(h.id, h.taskName)).toBe((1000 + n) * 2);

    // 120 + 30 + 36 + 16 + 25 bodies, each run once.
    expect(runs.size).toBe(227);
    expect(
      [...runs.entries()].filter(([, count]) => count !== 1),
      `bodies run more than once; invocations: ${JSON.stringify(outcomes)}`,
    ).toEqual([]);
    // The proxy really throttled every service the runtime used.
    const after = proxy().stats.targets;
    const throttled = {
      sqs: after.sqs.throttle - before.sqs.throttle,
      dynamodb: after.dynamodb.throttle - before.dynamodb.throttle,
      scheduler: after.scheduler.throttle - before.scheduler.throttle,
    };
    console.log('invocations:', outcomes, 'throttled under 20%:', throttled, 'forwarded:', {
      sqs: after.sqs.forwarded - before.sqs.forwarded,
      dynamodb: after.dynamodb.forwarded - before.dynamodb.forwarded,
      scheduler: after.scheduler.forwarded - before.scheduler.forwarded,
    });
    expect(throttled.sqs).toBeGreaterThan(10);
    expect(throttled.dynamodb).toBeGreaterThan(25);
    expect(throttled.scheduler).toBeGreaterThan(0);
  }, 300_000);
});

describe('scheduling a long delay while the Scheduler throttles', () => {
  /** A client whose Scheduler calls make one SDK attempt each, through a proxy that throttles the first `n` creates. */
  async function throttledFirst(n: number) {
    let creates = 0;
    const local = await startFaultProxy({
      targets: { scheduler: stack.scheduler.endpoint },
      rates: { throttle: 1 },
      eligible: (r) => r.operation === 'CreateSchedule' && creates++ < n,
    });
    const scheduler = new SchedulerClient({
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      endpoint: local.endpoints.scheduler!,
    });
    const client = new CeleriacClient({
      config: stack.config,
      sqs: stack.sqs,
      dynamodb: stack.dynamodb,
      scheduler,
    });
    return {
      client,
      local,
      stop: () => {
        scheduler.destroy();
        return local.stop();
      },
    };
  }

  it('retries a throttled CreateSchedule with backoff until it goes through', async () => {
    const { client, local, stop } = await throttledFirst(SCHEDULE_RETRY.attempts - 1);
    const h = await double.enqueue({ n: 7 }, { client, delay: '3h' });
    expect(local.stats.operations.get('scheduler.CreateSchedule')).toMatchObject({
      throttle: SCHEDULE_RETRY.attempts - 1,
      forwarded: 1,
    });
    const name = scheduleNameFor(h.id);
    expect(stack.scheduler.schedules.has(`${stack.config.scheduler!.group}/${name}`)).toBe(true);
    await stop();
  });

  it('gives up after its attempts with SCHEDULE_FAILED whose cause is the transient throttle', async () => {
    const { client, local, stop } = await throttledFirst(100);
    const err = await double.enqueue({ n: 8 }, { client, delay: '3h' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeleriacError);
    expect((err as CeleriacError).code).toBe('SCHEDULE_FAILED');
    expect(isThrottle((err as CeleriacError).cause)).toBe(true);
    expect(local.stats.targets.scheduler.throttle).toBe(SCHEDULE_RETRY.attempts);
    await stop();
  });
});

describe('the results API while AWS throttles', () => {
  it('answers 503 with retry-after for a throttled read and for a delayed enqueue the Scheduler throttles', async () => {
    const raw = rawClients();
    const client = new CeleriacClient({ config: stack.config, ...raw });
    const app = createApi({ client, registry }, { dashboard: false, logError: () => undefined });
    proxy().setRates({ throttle: 1 });
    onTestFinished(() => {
      proxy().setRates({});
      for (const c of Object.values(raw)) c.destroy();
    });
    const read = await app.request('/api/tasks/some-task-id');
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('1');
    expect(await read.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    // Only the Scheduler throttles now: a 2 h delay is retried, then refused as transient.
    proxy().setRates({}, { scheduler: { throttle: 1 } });
    const enqueue = await app.request('/api/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'double', args: { n: 1 }, delay: '2h' }),
    });
    expect(enqueue.status).toBe(503);
    expect(await enqueue.json()).toMatchObject({ error: { code: 'SCHEDULE_FAILED' } });
    // Without faults the same requests succeed.
    proxy().setRates({});
    expect((await app.request('/api/tasks/some-task-id')).status).toBe(404);
  });
});

/** Wait for one task's result through the observer (no faults on the test's own reads). */
function handleResult(id: string, name: string): Promise<unknown> {
  return new WorkflowHandle(id, { kind: 'task', id, task: name }, observer).result({ timeout: '180s' });
}
