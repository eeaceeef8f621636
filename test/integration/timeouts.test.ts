import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { CeleriacClient, type CeleriacConfig, createWorker, revoke } from '../../runtime/internal.js';
import { RevocationCache } from '../../runtime/worker/revocations.js';
import { type FaultyTcp, startFaultyTcp } from './fixtures/faulty-tcp.js';
import { add, registry } from './fixtures/tasks.js';
import { localStack, waitForState } from './harness.js';

let stack: LocalStack;
const servers: FaultyTcp[] = [];

beforeAll(async () => {
  stack = await localStack(registry);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await stack?.stop();
});

async function faulty(mode: 'hang' | 'drop' | 'forward', target?: string): Promise<FaultyTcp> {
  const server = await startFaultyTcp(mode, target);
  servers.push(server);
  return server;
}

/** The stack's config with SQS (queue URLs included: the SDK sends to a queue's own URL) moved. */
function withSqsAt(config: CeleriacConfig, endpoint: string): CeleriacConfig {
  const from = new URL(config.queues.default!.url).origin;
  const queues = Object.fromEntries(
    Object.entries(config.queues).map(([name, q]) => [
      name,
      { url: q.url.replace(from, endpoint), dlqUrl: q.dlqUrl.replace(from, endpoint) },
    ]),
  );
  return { ...config, queues, endpoints: { ...config.endpoints, sqs: endpoint } };
}

function withDynamoAt(config: CeleriacConfig, endpoint: string): CeleriacConfig {
  return { ...config, endpoints: { ...config.endpoints, dynamodb: endpoint } };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const t0 = Date.now();
  try {
    const value = await fn();
    return { ms: Date.now() - t0, value };
  } catch (error) {
    return { ms: Date.now() - t0, error };
  }
}

describe('SDK calls have deadlines', () => {
  it('enqueue() with SQS accepting and never answering fails with SEND_FAILED in bounded time', async () => {
    const hang = await faulty('hang');
    const client = new CeleriacClient({
      config: withSqsAt(stack.config, hang.endpoint),
      timeouts: { connectMs: 500, requestMs: 500 },
    });
    const out = await timed(() => add.enqueue({ x: 1, y: 2 }, { client }));
    expect(out.error).toMatchObject({ name: 'CeleriacError', code: 'SEND_FAILED' });
    expect(String((out.error as Error).message)).toMatch(/requestTimeout|timed? ?out/i);
    expect(hang.accepted()).toBeGreaterThanOrEqual(1);
    // 3 attempts of 0.5 s plus the SDK's backoff between them.
    expect(out.ms).toBeLessThan(5_000);
    client.sqs.destroy();
  });

  it('enqueue() with the default timeouts gives up on a hung SQS (about 3 × 5 s), not never', async () => {
    const hang = await faulty('hang');
    const client = new CeleriacClient({ config: withSqsAt(stack.config, hang.endpoint) });
    const out = await timed(() => add.enqueue({ x: 1, y: 2 }, { client }));
    expect(out.error).toMatchObject({ code: 'SEND_FAILED' });
    expect(out.ms).toBeGreaterThanOrEqual(4_500);
    expect(out.ms).toBeLessThan(25_000);
    client.sqs.destroy();
  }, 30_000);

  it('enqueue() with SQS dropping connections fails with SEND_FAILED quickly', async () => {
    const drop = await faulty('drop');
    const client = new CeleriacClient({ config: withSqsAt(stack.config, drop.endpoint) });
    const out = await timed(() => add.enqueue({ x: 1, y: 2 }, { client }));
    expect(out.error).toMatchObject({ code: 'SEND_FAILED' });
    expect(drop.accepted()).toBeGreaterThanOrEqual(1);
    expect(out.ms).toBeLessThan(5_000);
    client.sqs.destroy();
  });

  it('a hung revocation read never wedges later lookups: each falls back within its timeout', async () => {
    const proxy = await faulty('forward', stack.config.endpoints!.dynamodb!);
    const client = new CeleriacClient({
      config: withDynamoAt(stack.config, proxy.endpoint),
      timeouts: { requestMs: 10_000 },
    });
    await revoke('hung-rev-1', { client: stack.client, task: 'add' });
    const fallbacks: string[][] = [];
    const cache = new RevocationCache(client.dynamodb, stack.config.table, {
      refreshMs: 0,
      timeoutMs: 400,
      onFallback: (_, ids) => fallbacks.push([...ids]),
    });
    expect([...(await cache.lookup(['hung-rev-1', 'hung-ok']))]).toEqual(['hung-rev-1']);
    proxy.mode = 'hang';
    for (let i = 0; i < 3; i++) {
      const out = await timed(() => cache.lookup(['hung-rev-1', 'hung-ok']));
      expect([...(out.value ?? [])]).toEqual(['hung-rev-1']); // the last known state
      expect(out.ms).toBeLessThan(1_500);
    }
    expect(fallbacks.length).toBe(3);
    proxy.mode = 'forward';
    await revoke('hung-ok', { client: stack.client, task: 'add' });
    expect([...(await cache.lookup(['hung-rev-1', 'hung-ok']))].sort()).toEqual(['hung-ok', 'hung-rev-1']);
    client.dynamodb.destroy();
  });

  it('a worker with DynamoDB hanging returns its batch before the Lambda deadline, every time, and recovers', async () => {
    const proxy = await faulty('hang', stack.config.endpoints!.dynamodb!);
    const client = new CeleriacClient({
      config: withDynamoAt(stack.config, proxy.endpoint),
      sqs: stack.sqs,
      timeouts: { requestMs: 60_000 }, // only the invocation's deadline can end the calls
    });
    const worker = createWorker(registry, { client, deadlineMarginMs: 500 });
    const url = stack.config.queues.default!.url;
    const record = (id: string) => ({
      messageId: `m-${id}`,
      receiptHandle: `rh-${id}`,
      body: JSON.stringify({
        v: 1,
        id,
        task: 'add',
        args: { x: 2, y: 2 },
        queue: 'default',
        enqueuedAt: Date.now(),
      }),
      attributes: { ApproximateReceiveCount: '1' },
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${url.slice(url.lastIndexOf('/') + 1)}`,
    });
    const invoke = (id: string) => {
      const end = Date.now() + 2_000;
      return timed(() =>
        worker(
          { Records: [record(id)] },
          { awsRequestId: `req-${id}`, getRemainingTimeInMillis: () => end - Date.now() },
        ),
      );
    };
    for (const id of ['hang-a', 'hang-b']) {
      const out = await invoke(id);
      expect(out.error).toBeUndefined();
      expect(out.value?.batchItemFailures).toEqual([{ itemIdentifier: `m-${id}` }]);
      expect(out.ms).toBeLessThan(2_000);
    }
    proxy.mode = 'forward';
    const out = await invoke('hang-c');
    expect(out.value?.batchItemFailures).toEqual([]);
    expect((await waitForState(stack, 'hang-c', ['SUCCESS'])).result).toBe(4);
    client.dynamodb.destroy();
  });

  it('the API Lambda answers 504 before its end when DynamoDB hangs, instead of timing out', async () => {
    const { createApiHandler } = await import('../../infra/api/handler.js');
    const hang = await faulty('hang');
    const client = new CeleriacClient({
      config: withDynamoAt(stack.config, hang.endpoint),
      timeouts: { requestMs: 60_000 },
    });
    const handler = createApiHandler({ registry, client });
    const end = Date.now() + 1_500;
    const event = {
      version: '2.0',
      rawPath: '/api/tasks/some-id',
      rawQueryString: '',
      headers: { host: 'abc.lambda-url.eu-west-1.on.aws' },
      requestContext: { http: { method: 'GET', path: '/api/tasks/some-id', sourceIp: '127.0.0.1' } },
      isBase64Encoded: false,
    };
    const context = { getRemainingTimeInMillis: () => end - Date.now() };
    const out = await timed(() => handler(event as never, context as never));
    expect(out.value).toMatchObject({ statusCode: 504 });
    expect(JSON.stringify(out.value)).toMatch(/UPSTREAM/);
    expect(out.ms).toBeLessThan(1_500);
    client.dynamodb.destroy();
  });
});
