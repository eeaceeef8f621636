import { spawn } from 'node:child_process';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { CeleriacError, createWorker, enqueue, enqueueMany, TaskState } from '../../runtime/internal.js';
import {
  add,
  calls,
  doomed,
  errorsOnly,
  flaky,
  quiet,
  refuse,
  registry,
  sleeper,
  slow,
  strict,
} from './fixtures/tasks.js';
import {
  drained,
  eventually,
  localStack,
  newPrefix,
  type ProbedWorker,
  probeWorker,
  queueCounts,
  receiveAll,
  waitForState,
} from './harness.js';

let stack: LocalStack;
let worker: ProbedWorker;

beforeAll(async () => {
  stack = await localStack(registry);
  worker = probeWorker(createWorker(registry, { client: stack.client }));
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'], handler: worker.handler });
});
afterAll(() => stack?.stop());

describe('enqueue → execute → result (real SQS and DynamoDB protocol)', () => {
  it('runs a task and returns its typed result', async () => {
    const handle = await add.enqueue({ x: 2, y: 3 }, { client: stack.client });
    const sum: number = await handle.result({ timeout: '20s' });
    expect(sum).toBe(5);
    const rec = await handle.get();
    expect(rec).toMatchObject({
      state: 'SUCCESS',
      task: 'add',
      queue: 'default',
      attempts: 1,
      result: 5,
      args: { x: 2, y: 3 },
    });
    expect(rec!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rec!.finishedAt! - rec!.startedAt!).toBeGreaterThanOrEqual(0);
    expect(rec!.expiresAt).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    // What users read carries no storage internals (index keys).
    expect(Object.keys(rec!).filter((k) => k.startsWith('gs') || k === 'errorType')).toEqual([]);
  });

  it('honours a delay: nothing runs before it', async () => {
    const t0 = Date.now();
    const handle = await enqueue(add, { x: 1, y: 1 }, { client: stack.client, delay: '3s' });
    const counts = await queueCounts(stack, stack.config.queues.default!.url);
    expect(counts.delayed).toBeGreaterThanOrEqual(1);
    expect(await handle.state()).toBe(TaskState.PENDING);
    await handle.result({ timeout: '20s' });
    const rec = await handle.get();
    expect(rec!.startedAt! - t0).toBeGreaterThanOrEqual(2_900);
  });

  it('rejects a delay beyond a year instead of clamping it', async () => {
    const err = await add.enqueue({ x: 1, y: 1 }, { client: stack.client, delay: '366d' }).catch((e) => e);
    expect(err).toBeInstanceOf(CeleriacError);
    expect(err.code).toBe('DELAY_TOO_LONG');
    expect(err.message).toContain('31622400s');
  });

  it('retries with backoff, then succeeds; the timeline shows each attempt', async () => {
    const handle = await flaky.enqueue({ failTimes: 2 }, { client: stack.client });
    const out = await handle.result({ timeout: '30s' });
    expect(out).toEqual({ attempt: 3 });
    const rec = (await handle.get())!;
    expect(rec.history.map((h) => h.state)).toEqual(['RETRY', 'RETRY', 'SUCCESS']);
    expect(rec.history[0]!.retryInMs).toBe(1000);
    expect(rec.history[1]!.retryInMs).toBe(2000);
    // backoff honoured: attempt 2 came ≥ 1 s after attempt 1 failed, attempt 3 ≥ 2 s after attempt 2
    expect(rec.history[1]!.at - rec.history[0]!.at).toBeGreaterThanOrEqual(900);
    expect(rec.history[2]!.at - rec.history[1]!.at).toBeGreaterThanOrEqual(1_900);
  });

  it('records FAILURE with the error and moves the message to the DLQ when retries run out', async () => {
    const handle = await doomed.enqueue(null as never, { client: stack.client });
    const rec = await waitForState(stack, handle.id, ['FAILURE']);
    expect(rec.error).toMatchObject({ type: 'TypeError', message: 'always broken' });
    expect(rec.error!.stack).toContain('TypeError: always broken');
    expect(rec.attempts).toBe(2);
    const dead = await eventually(async () => {
      const msgs = await receiveAll(stack, stack.config.queues.default!.dlqUrl);
      return msgs.find((m) => JSON.parse(m.Body!).id === handle.id);
    });
    expect(dead.MessageAttributes?.['celeriac-error-type']?.StringValue).toBe('TypeError');
    await expect(handle.result({ timeout: '1s' })).rejects.toMatchObject({ code: 'TASK_FAILED' });
  });

  it('fails a NonRetriable error at once, with one attempt', async () => {
    const handle = await refuse.enqueue(null as never, { client: stack.client });
    const rec = await waitForState(stack, handle.id, ['FAILURE']);
    expect(rec).toMatchObject({ attempts: 1, error: { type: 'NonRetriable', message: 'no way' } });
  });

  it('enforces the time limit, records TimeLimitExceeded', async () => {
    const handle = await slow.enqueue({}, { client: stack.client });
    const rec = await waitForState(stack, handle.id, ['FAILURE']);
    expect(rec.error).toMatchObject({ type: 'TimeLimitExceeded' });
    expect(rec.finishedAt! - rec.startedAt!).toBeLessThan(2_000);
  });

  it('validates schema arguments at enqueue, before sending', async () => {
    const err = await strict.enqueue({ email: 'nope' }, { client: stack.client }).catch((e) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGS' });
    expect(err.message).toContain('email');
    expect(await strict.enqueue({ email: 'a@b.co' }, { client: stack.client }).then((h) => h.result())).toBe(
      'A@B.CO',
    );
  });

  it('validates schema arguments again in the worker (a producer that skipped the check)', async () => {
    const body = JSON.stringify({
      v: 1,
      id: 'bypass-1',
      task: 'strict',
      args: { email: 42 },
      queue: 'default',
      enqueuedAt: Date.now(),
      root: 'bypass-1',
    });
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: stack.config.queues.default!.url, MessageBody: body }),
    );
    const rec = await waitForState(stack, 'bypass-1', ['FAILURE']);
    expect(rec.error).toMatchObject({ code: 'INVALID_ARGS' });
    expect(rec.attempts).toBe(1);
  });

  it('rejects an oversized payload before sending anything', async () => {
    const big = 'x'.repeat(1_048_576);
    const err = await add
      .enqueue({ x: 1, y: big as unknown as number }, { client: stack.client, id: 'too-big' })
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(err.message).toMatch(/\d+ bytes; allowed: at most 1048576 bytes/);
    // Once the queue has drained, every message sent to it has reached the worker: none was this one.
    await drained(stack, stack.config.queues.default!.url);
    expect(worker.outcomes('too-big')).toEqual([]);
    expect(await stack.client.results.get('too-big')).toBeUndefined();
  });

  it('refuses non-JSON arguments with the path of the offending value', async () => {
    const err = await add
      .enqueue({ x: 1, y: new Date() as unknown as number }, { client: stack.client })
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'NOT_JSON' });
    expect(err.message).toContain('args.y is a Date');
  });

  it('stores nothing for result mode never, and only errors for mode errors', async () => {
    const q = await quiet.enqueue(null as never, { client: stack.client });
    const e = await errorsOnly.enqueue(null as never, { client: stack.client });
    // The worker has returned from both deliveries: each ran, and whatever it records is written.
    expect(await worker.handled(q.id)).toEqual(['done']);
    expect(await worker.handled(e.id)).toEqual(['done']);
    expect(calls.get(q.id)).toBe(1);
    expect(calls.get(e.id)).toBe(1);
    expect(await q.get()).toBeUndefined();
    expect(await e.get()).toBeUndefined();
  });
});

describe('enqueueMany', () => {
  it('sends valid entries in batches and reports bad ones, in order, without losing the rest', async () => {
    const entries = [
      ...Array.from({ length: 23 }, (_, i) => ({ task: add, args: { x: i, y: 1 } })),
      { task: strict, args: { email: 'bad' } },
      { task: add, args: { x: 1, y: 1 }, options: { delay: '400d' as const } },
    ];
    const results = await enqueueMany(entries as never, { client: stack.client });
    expect(results).toHaveLength(25);
    expect(results.slice(0, 23).every((r) => r.ok)).toBe(true);
    expect(results[23]).toMatchObject({ ok: false, error: { code: 'INVALID_ARGS' } });
    expect(results[24]).toMatchObject({ ok: false, error: { code: 'DELAY_TOO_LONG' } });
    const values = await Promise.all(
      results.slice(0, 23).map((r) => (r.ok ? r.handle.result({ timeout: '30s' }) : null)),
    );
    expect(values).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  });
});

describe('batches: isolation, duplicates, partial failure', () => {
  const valid = (id: string, task = 'add', args: unknown = { x: 1, y: 2 }) =>
    JSON.stringify({ v: 1, id, task, args, queue: 'default', enqueuedAt: Date.now(), root: id });
  /** An SQS record of the default queue, for invoking a worker directly. */
  const record = (i: number, body: string) => {
    const url = stack.config.queues.default!.url;
    return {
      messageId: `m${i}`,
      receiptHandle: `rh${i}`,
      body,
      attributes: { ApproximateReceiveCount: '1' },
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${url.slice(url.lastIndexOf('/') + 1)}`,
    };
  };

  it('isolates a malformed body, a wrong version and an unknown task from their batch', async () => {
    const url = stack.config.queues.default!.url;
    await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: valid('iso-ok-1') },
          { Id: 'b', MessageBody: '{not json' },
          { Id: 'c', MessageBody: JSON.stringify({ v: 99, id: 'iso-v99', task: 'add' }) },
          { Id: 'd', MessageBody: valid('iso-unknown', 'no.such.task') },
          { Id: 'e', MessageBody: valid('iso-ok-2') },
        ],
      }),
    );
    expect((await waitForState(stack, 'iso-ok-1', ['SUCCESS'])).result).toBe(3);
    expect((await waitForState(stack, 'iso-ok-2', ['SUCCESS'])).result).toBe(3);
    expect((await waitForState(stack, 'iso-v99', ['FAILURE'])).error).toMatchObject({
      type: 'UnsupportedVersion',
    });
    expect((await waitForState(stack, 'iso-unknown', ['FAILURE'])).error).toMatchObject({
      type: 'NotRegistered',
    });
    const dlq = await eventually(async () => {
      const msgs = await receiveAll(stack, stack.config.queues.default!.dlqUrl);
      const bodies = msgs.map((m) => m.Body);
      return bodies.includes('{not json') ? msgs : undefined;
    });
    expect(
      dlq.find((m) => m.Body === '{not json')!.MessageAttributes?.['celeriac-error-type']?.StringValue,
    ).toBe('MalformedMessage');
  });

  it('never overwrites a SUCCESS on duplicate delivery (at-least-once: the run may repeat)', async () => {
    const url = stack.config.queues.default!.url;
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: valid('dup-1') }));
    const first = await waitForState(stack, 'dup-1', ['SUCCESS']);
    await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: valid('dup-1', 'add', { x: 100, y: 100 }) }),
    );
    // The worker has returned from the duplicate delivery: it ran again and tried to record.
    expect(await worker.handled('dup-1', 2)).toEqual(['done', 'done']);
    expect(calls.get('dup-1')).toBe(2);
    expect(await stack.client.results.get('dup-1')).toEqual(first);
  });

  it('skips a revoked task (and a revoked workflow root) without running it', async () => {
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { revocationKey } = await import('../../runtime/worker/revocations.js');
    const until = { N: String(Date.now() + 3_600_000) };
    for (const id of ['rev-1', 'rev-root']) {
      await stack.dynamodb.send(
        new PutItemCommand({ TableName: stack.config.table, Item: { id: { S: revocationKey(id) }, until } }),
      );
    }
    // A worker created after the write reads the batch's revocations on its first batch.
    const fresh = createWorker(registry, { client: stack.client });
    const child = JSON.stringify({
      v: 1,
      id: 'rev-2',
      task: 'add',
      args: { x: 1, y: 1 },
      queue: 'default',
      enqueuedAt: Date.now(),
      root: 'rev-root',
    });
    const response = await fresh(
      { Records: [record(0, valid('rev-1')), record(1, child), record(2, valid('rev-ok'))] },
      { awsRequestId: 'req-rev', getRemainingTimeInMillis: () => 30_000 },
    );
    // All three handled and deleted (a revoked message is skipped, not retried); only rev-ok ran.
    expect(response.batchItemFailures).toEqual([]);
    expect(calls.get('rev-ok')).toBe(1);
    expect((await stack.client.results.get('rev-ok'))?.state).toBe('SUCCESS');
    expect(calls.get('rev-1')).toBeUndefined();
    expect(calls.get('rev-2')).toBeUndefined();
    expect(await stack.client.results.get('rev-1')).toBeUndefined();
  });

  it('one bad record in a batch of ten: nine deleted, one retried', async () => {
    const direct = createWorker(registry, { client: stack.client });
    const records = Array.from({ length: 10 }, (_, i) =>
      record(
        i,
        i === 4
          ? JSON.stringify({
              v: 1,
              id: 'batch-bad',
              task: 'flaky',
              args: { failTimes: 9 },
              queue: 'default',
              enqueuedAt: Date.now(),
              root: 'batch-bad',
            })
          : valid(`batch-${i}`),
      ),
    );
    const response = await direct(
      { Records: records },
      { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 },
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm4' }]);
    for (const i of [0, 1, 2, 3, 5, 6, 7, 8, 9])
      expect((await stack.client.results.get(`batch-${i}`))?.state).toBe('SUCCESS');
    expect((await stack.client.results.get('batch-bad'))?.state).toBe('RETRY');
  });

  it('the local event source deletes the nine and leaves the failed one to come back', async () => {
    const url = stack.config.queues.default!.url;
    await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: 10 }, (_, i) => ({
          Id: `e${i}`,
          MessageBody:
            i === 7
              ? JSON.stringify({
                  v: 1,
                  id: 'esm-flaky',
                  task: 'flaky',
                  args: { failTimes: 1 },
                  queue: 'default',
                  enqueuedAt: Date.now(),
                  root: 'esm-flaky',
                })
              : valid(`esm-${i}`),
        })),
      }),
    );
    const rec = await waitForState(stack, 'esm-flaky', ['SUCCESS']);
    expect(rec.attempts).toBe(2);
    for (const i of [0, 1, 2, 3, 4, 5, 6, 8, 9])
      expect((await stack.client.results.get(`esm-${i}`))?.attempts).toBe(1);
  });
});

describe('a worker that dies mid-task', () => {
  it('gets its message back after the visibility timeout, and the task completes', async () => {
    const prefix = newPrefix();
    const { localStack: make } = await import('./harness.js');
    const crashStack = await make(registry, prefix);
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/integration/fixtures/worker-child.ts'],
        {
          env: { ...process.env, CELERIAC_CONFIG: JSON.stringify(crashStack.config), TEST_PREFIX: prefix },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`worker child exited early (${code})`)));
      });
      const handle = await sleeper.enqueue({ ms: 100_000 }, { client: crashStack.client });
      const url = crashStack.config.queues.crashy!.url;
      await eventually(
        async () => ((await queueCounts(crashStack, url)).inFlight === 1 ? true : undefined),
        10_000,
        'in flight',
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(await handle.state()).toBe('PENDING');
      // A new worker takes over; the message reappears after the queue's visibility timeout (6 × 3 s).
      const killedAt = Date.now();
      crashStack.startWorkers({ waitTimeSeconds: 1, queues: ['crashy'] });
      const rec = await waitForState(crashStack, handle.id, ['SUCCESS', 'FAILURE'], 40_000);
      expect(rec).toMatchObject({ state: 'SUCCESS', attempts: 2, result: { attempt: 2 } });
      expect(Date.now() - killedAt).toBeGreaterThan(5_000);
    } finally {
      await crashStack.stop();
    }
  });
});
