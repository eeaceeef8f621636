import { request as httpRequest } from 'node:http';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../infra/api/node-server.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { createWorker, type TaskRecord, type TaskSummary } from '../../runtime/internal.js';
import { add, calls, doomed, refuse, registry } from './fixtures/tasks.js';
import {
  eventually,
  localStack,
  type ProbedWorker,
  probeWorker,
  queueCounts,
  takeAll,
  waitForState,
} from './harness.js';

let stack: LocalStack;
let api: ApiServer;
let worker: ProbedWorker;

beforeAll(async () => {
  stack = await localStack(registry);
  // Only the default queue has workers: messages on "crashy" stay put for the queue tests.
  worker = probeWorker(createWorker(registry, { client: stack.client }));
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'], handler: worker.handler });
  api = await startApiServer({ client: stack.client, registry, plan: stack.plan, port: 0 });
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${api.token}` },
): Promise<Answer<T>> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed as T, headers: res.headers };
}

const enqueueAdd = async (x: number, extra: Record<string, unknown> = {}) => {
  const res = await call<{ id: string }>('POST', '/api/tasks', { task: 'add', args: { x, y: 1 }, ...extra });
  expect(res.status).toBe(201);
  return res.body.id;
};

describe('access (local)', () => {
  it('refuses requests without the token (401) or with a wrong one', async () => {
    const none = await call('GET', '/api/tasks', undefined, {});
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    const wrong = await call('GET', '/api/tasks', undefined, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const page = await call('GET', '/', undefined, {});
    expect(page.status).toBe(401);
  });

  it('turns ?token= into an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const res = await call('GET', `/?token=${api.token}`, undefined, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/celeriac_token=[0-9a-f]{64}/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await call('GET', '/api/plan', undefined, { cookie: cookie.split(';')[0]! });
    expect(withCookie.status).toBe(200);
  });

  it('refuses a non-loopback Host (DNS rebinding) even with the token', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${api.url}/api/plan`,
        { headers: { host: 'evil.example:80', authorization: `Bearer ${api.token}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await call('GET', '/api/nope');
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });
});

describe('enqueue and detail', () => {
  it('refuses arguments nested 5,000 deep with a 400 saying how deep is allowed', async () => {
    const deep = `{"task":"add","args":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const res = await call('POST', '/api/tasks', deep);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(JSON.stringify(res.body)).toMatch(/nested more than 100 levels/);
    const huge = await call('POST', '/api/tasks', `${'['.repeat(500_000)}${']'.repeat(500_000)}`);
    expect(huge.status).toBe(400);
  });

  it('enqueues by name and shows the finished task with args, result and timeline', async () => {
    const id = await enqueueAdd(41);
    await waitForState(stack, id, ['SUCCESS']);
    const res = await call<TaskRecord>('GET', `/api/tasks/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, state: 'SUCCESS', task: 'add', args: { x: 41, y: 1 }, result: 42 });
    expect(res.body.history.map((h) => h.state)).toEqual(['SUCCESS']);
  });

  it('says what was wrong with bad input', async () => {
    const unknown = await call('POST', '/api/tasks', { task: 'nope', args: {} });
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_TASK' } } });
    expect(JSON.stringify(unknown.body)).toContain('registered: add');
    const schema = await call('POST', '/api/tasks', { task: 'strict', args: { email: 'not-an-email' } });
    expect(schema).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ARGS' } } });
    expect(JSON.stringify(schema.body)).toContain('email');
    const delay = await call('POST', '/api/tasks', { task: 'add', args: { x: 1, y: 1 }, delay: '400d' });
    expect(delay).toMatchObject({ status: 400, body: { error: { code: 'DELAY_TOO_LONG' } } });
    const badJson = await call('POST', '/api/tasks', '{"task":');
    expect(badJson).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    const extra = await call('POST', '/api/tasks', { task: 'add', argz: {} });
    expect((extra.body as { error: { message: string } }).error.message).toContain('unknown field(s) argz');
    const badId = await call('GET', '/api/tasks/has%20space');
    expect(badId.status).toBe(400);
    const missing = await call('GET', '/api/tasks/never-enqueued');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });
});

describe('lists', () => {
  const ids: string[] = [];
  let failedId: string;

  beforeAll(async () => {
    for (let i = 0; i < 7; i++) ids.push(await enqueueAdd(i, { tags: ['page-test'] }));
    failedId = (await doomed.enqueue(null as never, { client: stack.client, tags: ['page-test'] })).id;
    await Promise.all(ids.map((id) => waitForState(stack, id, ['SUCCESS'])));
    await waitForState(stack, failedId, ['FAILURE']);
  });

  it('paginates with an opaque cursor, newest first, each task once', async () => {
    const seen: TaskSummary[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const q = `/api/tasks?tag=page-test&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await call<{ items: TaskSummary[]; cursor?: string }>('GET', q);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items);
      cursor = res.body.cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.map((s) => s.id).sort()).toEqual([...ids, failedId].sort());
    expect(pages).toBeGreaterThanOrEqual(3);
    const times = seen.map((s) => s.updatedAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('filters by state, task, queue and time', async () => {
    const failures = await call<{ items: TaskSummary[] }>('GET', '/api/tasks?state=failure&tag=page-test');
    expect(failures.body.items.map((t) => t.id)).toEqual([failedId]);
    expect(failures.body.items[0]).toMatchObject({ errorType: 'TypeError', attempts: 2 });
    const successes = await call<{ items: TaskSummary[] }>(
      'GET',
      '/api/tasks?state=SUCCESS&task=add&limit=200',
    );
    expect(successes.body.items.every((t) => t.state === 'SUCCESS' && t.task === 'add')).toBe(true);
    expect(successes.body.items.map((t) => t.id)).toEqual(expect.arrayContaining(ids));
    const otherQueue = await call<{ items: TaskSummary[] }>('GET', '/api/tasks?queue=crashy&tag=page-test');
    expect(otherQueue.body.items).toEqual([]);
    const future = await call<{ items: TaskSummary[] }>('GET', `/api/tasks?since=${Date.now() + 60_000}`);
    expect(future.body.items).toEqual([]);
    const recent = await call<{ items: TaskSummary[] }>('GET', '/api/tasks?since=10m&tag=page-test&limit=50');
    expect(recent.body.items).toHaveLength(8);
  });

  it('rejects bad filters and a cursor from other filters', async () => {
    const state = await call('GET', '/api/tasks?state=PENDING');
    expect(state.status).toBe(400);
    expect(JSON.stringify(state.body)).toContain('PENDING tasks have no stored item');
    expect((await call('GET', '/api/tasks?limit=500')).status).toBe(400);
    expect((await call('GET', '/api/tasks?since=yesterday-ish')).status).toBe(400);
    const first = await call<{ cursor: string }>('GET', '/api/tasks?tag=page-test&limit=2');
    const mixed = await call('GET', `/api/tasks?state=FAILURE&cursor=${first.body.cursor}`);
    expect(mixed).toMatchObject({ status: 400, body: { error: { code: 'INVALID_OPTION' } } });
  });

  it('counts by state over time buckets, with throughput and latency', async () => {
    const res = await call<{
      buckets: { finished: number; failures: number; runtimeP50?: number }[];
      totals: Record<string, number>;
      bucketMs: number;
    }>('GET', '/api/stats?since=10m&bucket=1m');
    expect(res.status).toBe(200);
    expect(res.body.bucketMs).toBe(60_000);
    expect(res.body.buckets).toHaveLength(10);
    expect(res.body.totals.SUCCESS).toBeGreaterThanOrEqual(7);
    expect(res.body.totals.FAILURE).toBeGreaterThanOrEqual(1);
    const finished = res.body.buckets.reduce((n, b) => n + b.finished, 0);
    expect(finished).toBe(res.body.totals.SUCCESS! + res.body.totals.FAILURE!);
    expect(res.body.buckets.some((b) => b.runtimeP50 !== undefined)).toBe(true);
    expect((await call('GET', '/api/stats?bucket=1ms')).status).toBe(400);
  });
});

describe('revoke', () => {
  it('revokes a pending task: the worker skips it when it arrives', async () => {
    const id = await enqueueAdd(5, { delay: '2s' });
    const res = await call('POST', `/api/tasks/${id}/revoke`, { task: 'add', reason: 'changed my mind' });
    expect(res).toMatchObject({ status: 200, body: { id, revoked: true, state: 'REVOKED' } });
    // The message arrived after its delay and the worker has finished with it: skipped, never run.
    expect(await worker.handled(id)).toEqual(['done']);
    expect(calls.get(id)).toBeUndefined();
    const rec = (await stack.client.results.get(id))!;
    expect(rec.state).toBe('REVOKED');
    expect(rec.result).toBeUndefined();
    expect(rec.error).toMatchObject({ type: 'Revoked', message: 'changed my mind' });
    const again = await call('POST', `/api/tasks/${id}/revoke`);
    expect(again).toMatchObject({ status: 200, body: { revoked: false, state: 'REVOKED' } });
  });

  it('refuses to revoke a finished task (409)', async () => {
    const id = await enqueueAdd(6);
    await waitForState(stack, id, ['SUCCESS']);
    const res = await call('POST', `/api/tasks/${id}/revoke`);
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
  });
});

describe('workflows', () => {
  it('returns nodes, parent edges and states of a workflow by root id', async () => {
    const root = await add.enqueue({ x: 1, y: 1 }, { client: stack.client, id: 'wf-api-root' });
    const a = await add.enqueue({ x: 2, y: 1 }, { client: stack.client, rootId: root.id, parentId: root.id });
    const b = await add.enqueue({ x: 3, y: 1 }, { client: stack.client, rootId: root.id, parentId: root.id });
    const c = await doomed.enqueue(null as never, { client: stack.client, rootId: root.id, parentId: a.id });
    await Promise.all([root, a, b].map((h) => waitForState(stack, h.id, ['SUCCESS'])));
    await waitForState(stack, c.id, ['FAILURE']);
    const res = await call<{
      nodes: TaskSummary[];
      edges: { from: string; to: string; kind: string }[];
      counts: Record<string, number>;
    }>('GET', '/api/workflows/wf-api-root');
    expect(res.status).toBe(200);
    expect(res.body.nodes.map((n) => n.id).sort()).toEqual([root.id, a.id, b.id, c.id].sort());
    expect(res.body.edges).toEqual(
      expect.arrayContaining([
        { from: root.id, to: a.id, kind: 'next' },
        { from: root.id, to: b.id, kind: 'next' },
        { from: a.id, to: c.id, kind: 'next' },
      ]),
    );
    expect(res.body.counts).toEqual({ SUCCESS: 3, FAILURE: 1 });
    expect((await call('GET', '/api/workflows/no-such-root')).status).toBe(404);
  });
});

describe('queues', () => {
  const crashy = () => stack.config.queues.crashy!;
  const envelope = (id: string) =>
    JSON.stringify({
      v: 1,
      id,
      task: 'add',
      args: { x: 1, y: 1 },
      queue: 'crashy',
      enqueuedAt: Date.now(),
      root: id,
    });

  it('shows depth, in-flight, delayed and DLQ size of every plan queue', async () => {
    await takeAll(stack, crashy().dlqUrl);
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: crashy().dlqUrl, MessageBody: envelope('dlq-count') }),
    );
    const res = await call<{ queues: { name: string; counts: object; dlq: { visible: number } }[] }>(
      'GET',
      '/api/queues',
    );
    expect(res.body.queues.map((q) => q.name)).toEqual(['default', 'crashy']);
    const q = res.body.queues.find((x) => x.name === 'crashy')!;
    expect(q.counts).toEqual({
      visible: expect.any(Number),
      inFlight: expect.any(Number),
      delayed: expect.any(Number),
    });
    expect(q.dlq.visible).toBe(1);
    const taken = await takeAll(stack, crashy().dlqUrl);
    expect(taken.map((m) => JSON.parse(m.Body!).id)).toEqual(['dlq-count']);
  });

  it('redrives DLQ messages back to their queue, without the dead-letter attributes', async () => {
    // Start from an empty queue and DLQ, so every count below is this test's own.
    await takeAll(stack, crashy().dlqUrl);
    await takeAll(stack, crashy().url);
    const ids = Array.from({ length: 12 }, (_, i) => `redrive-${i}`);
    for (const id of ids) {
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: crashy().dlqUrl,
          MessageBody: envelope(id),
          MessageAttributes: {
            'celeriac-error-type': { DataType: 'String', StringValue: 'TypeError' },
            keep: { DataType: 'String', StringValue: 'me' },
          },
        }),
      );
    }
    const res = await call<{ moved: number; failed: number; more: boolean }>(
      'POST',
      '/api/queues/crashy/redrive',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ queue: 'crashy', moved: 12, failed: 0, more: false });
    expect(await queueCounts(stack, crashy().dlqUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await queueCounts(stack, crashy().url)).toEqual({ visible: 12, inFlight: 0, delayed: 0 });
    // Take every redriven message back (leaving the queue empty): each kept its own attributes only.
    const redriven = await takeAll(stack, crashy().url);
    expect(redriven.map((m) => JSON.parse(m.Body!).id).sort()).toEqual([...ids].sort());
    for (const m of redriven) {
      expect(m.MessageAttributes?.['celeriac-error-type']).toBeUndefined();
      expect(m.MessageAttributes?.keep?.StringValue).toBe('me');
    }
    expect((await call('POST', '/api/queues/nope/redrive')).status).toBe(404);
  });

  it('redrives a failed task end to end: it runs again', async () => {
    const dlq = stack.config.queues.default!.dlqUrl;
    // Earlier tests' failed tasks sit in this DLQ: take them out, so only this test's task is redriven.
    await takeAll(stack, dlq);
    const handle = await doomed.enqueue(null as never, { client: stack.client });
    await waitForState(stack, handle.id, ['FAILURE']);
    const dead = await eventually(async () => {
      const c = await queueCounts(stack, dlq);
      return c.visible > 0 ? c : undefined;
    });
    expect(dead.visible).toBe(1);
    const before = (await stack.client.results.get(handle.id))!.history.length;
    const res = await call<{ moved: number }>('POST', '/api/queues/default/redrive');
    expect(res.body.moved).toBe(1);
    await eventually(async () => {
      const rec = await stack.client.results.get(handle.id);
      return rec && rec.history.length > before && rec.state === 'FAILURE' ? rec : undefined;
    });
    // It failed straight back into the DLQ: take it out, leaving the DLQ as this test found it.
    await eventually(async () => ((await queueCounts(stack, dlq)).visible === 1 ? true : undefined));
    expect((await takeAll(stack, dlq)).map((m) => JSON.parse(m.Body!).id)).toEqual([handle.id]);
  });

  it('ends a redrive even when the redriven tasks fail straight back into the DLQ', async () => {
    const dlq = stack.config.queues.default!.dlqUrl;
    await takeAll(stack, dlq);
    const handles = await Promise.all(
      [1, 2, 3].map(() => refuse.enqueue(null as never, { client: stack.client })),
    );
    await Promise.all(handles.map((h) => waitForState(stack, h.id, ['FAILURE'])));
    await eventually(async () => ((await queueCounts(stack, dlq)).visible === 3 ? true : undefined));
    const res = await call<{ moved: number; more: boolean }>('POST', '/api/queues/default/redrive');
    expect(res.body).toMatchObject({ moved: 3, more: false });
    // They ran again, failed again, and are back: a later redrive would move them again.
    await eventually(async () => ((await queueCounts(stack, dlq)).visible === 3 ? true : undefined));
    const back = await takeAll(stack, dlq);
    expect(back.map((m) => JSON.parse(m.Body!).id).sort()).toEqual(handles.map((h) => h.id).sort());
  });

  it('purges only when told which: the queue or its DLQ', async () => {
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: crashy().url, MessageBody: envelope('purge-me') }),
    );
    const vague = await call('POST', '/api/queues/crashy/purge');
    expect(vague).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect((vague.body as { error: { message: string } }).error.message).toContain('"queue" or "dlq"');
    const res = await call('POST', '/api/queues/crashy/purge', { target: 'queue' });
    expect(res).toMatchObject({ status: 200, body: { queue: 'crashy', target: 'queue', purged: true } });
    await eventually(async () => ((await queueCounts(stack, crashy().url)).visible === 0 ? true : undefined));
  });
});

describe('plan', () => {
  it('returns the resource plan', async () => {
    const res = await call<{ app: string; queues: { name: string }[]; tasks: { name: string }[] }>(
      'GET',
      '/api/plan',
    );
    expect(res.body.app).toBe('itest');
    expect(res.body.tasks.map((t) => t.name)).toContain('strict');
  });
});
