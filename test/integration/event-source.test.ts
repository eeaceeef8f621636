import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalEnvironment } from '../../infra/local/environment.js';
import { type InvocationInfo, MAX_EVENT_BYTES } from '../../infra/local/event-source.js';
import type { LocalStack } from '../../infra/local/stack.js';
import { createRegistry, type SqsEvent, task, type WorkerHandler } from '../../runtime/index.js';
import { eventually, localStack } from './harness.js';

const noop = task('noop', { queue: 'big' }, () => null);
const registry = createRegistry({
  app: 'esm',
  queues: {
    big: { batchSize: 100, batchingWindow: '1s', maxConcurrency: 2, timeout: '30s' },
    lanes: { batchSize: 1, maxConcurrency: 3, timeout: '30s' },
    slow: { batchSize: 1, maxConcurrency: 2, timeout: '1s' },
    herd: { batchSize: 1, maxConcurrency: 10, timeout: '30s' },
  },
  tasks: [noop],
});

let stack: LocalStack;
beforeAll(async () => {
  stack = await localStack(registry);
});
afterAll(() => stack?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ok = async () => ({ batchItemFailures: [] });

async function sendBodies(queue: string, bodies: readonly string[], perBatch: number): Promise<void> {
  const url = stack.config.queues[queue]!.url;
  for (let i = 0; i < bodies.length; i += perBatch) {
    const out = await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: bodies.slice(i, i + perBatch).map((body, j) => ({ Id: String(j), MessageBody: body })),
      }),
    );
    expect(out.Failed ?? []).toEqual([]);
  }
}

describe('the local event source mapping', () => {
  it('long-polls one lane at a time: a message wakes one receive, not all ten lanes', async () => {
    const url = stack.config.queues.herd!.url;
    let receives = 0;
    stack.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { QueueUrl?: string };
        if (context.commandName === 'ReceiveMessageCommand' && input.QueueUrl === url) receives++;
        return next(args);
      },
      { step: 'initialize', name: 'countHerdReceives' },
    );
    const handled: string[] = [];
    const [esm] = stack.startWorkers({
      queues: ['herd'],
      waitTimeSeconds: 20,
      handler: async (event: SqsEvent) => {
        handled.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
    });
    try {
      await eventually(async () => (receives >= 1 ? true : undefined));
      const before = receives;
      for (let i = 0; i < 5; i++) {
        await sendBodies('herd', [`m${i}`], 1);
        await eventually(async () => (handled.length === i + 1 ? true : undefined));
      }
      // Each message: the receive that returned it and the next lane's long poll. Ten lanes all
      // woken per message would make about ten receives each.
      expect(receives - before).toBeLessThanOrEqual(5 * 2 + 1);
      expect(handled).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    } finally {
      await esm!.stop();
      stack.sqs.middlewareStack.remove('countHerdReceives');
    }
  });

  it("reports an invocation's duration as Lambda bills it: until the handler settled, not the deletes after", async () => {
    // Deletes of this queue take a second; the handler returns at once.
    const url = stack.config.queues.lanes!.url;
    stack.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { QueueUrl?: string };
        if (context.commandName === 'DeleteMessageBatchCommand' && input.QueueUrl === url) await sleep(1_000);
        return next(args);
      },
      { step: 'initialize', name: 'slowDeletes' },
    );
    const invocations: InvocationInfo[] = [];
    const [esm] = stack.startWorkers({
      queues: ['lanes'],
      waitTimeSeconds: 1,
      handler: ok,
      onInvoke: (i) => invocations.push(i),
    });
    try {
      await sendBodies('lanes', ['billed'], 1);
      await eventually(async () => (invocations.length ? true : undefined), 10_000);
      expect(invocations[0]).toMatchObject({ outcome: 'ok', records: 1, failed: 0 });
      expect(invocations[0]!.durationMs).toBeLessThan(1_000);
    } finally {
      await esm!.stop();
      stack.sqs.middlewareStack.remove('slowDeletes');
    }
  });

  it('caps an invocation at 6 MB of event, carrying the rest to the next one, losing none', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => `${i}:${'x'.repeat(300_000)}`);
    await sendBodies('big', bodies, 3);
    const invocations: InvocationInfo[] = [];
    const seen: string[] = [];
    const [esm] = stack.startWorkers({
      queues: ['big'],
      waitTimeSeconds: 1,
      createHandler: () => async (event: SqsEvent) => {
        seen.push(...event.Records.map((r) => r.body.slice(0, r.body.indexOf(':'))));
        return { batchItemFailures: [] };
      },
      onInvoke: (info) => invocations.push(info),
    });
    await eventually(async () => (esm!.stats.deleted >= 40 ? true : undefined), 60_000, '40 records deleted');
    await esm!.stop();
    expect(seen.sort()).toEqual(bodies.map((_, i) => String(i)).sort());
    for (const info of invocations) expect(info.eventBytes).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    // 300 KB records: at most 20 fit in 6 MB, so 40 take at least two invocations.
    expect(Math.max(...invocations.map((i) => i.records))).toBeLessThanOrEqual(20);
    expect(invocations.length).toBeGreaterThanOrEqual(2);
    console.log(
      'invocations (records, bytes):',
      invocations.map((i) => [i.records, i.eventBytes]),
    );
  });

  it('gives each concurrent lane its own handler instance, never running two invocations at once', async () => {
    await sendBodies(
      'lanes',
      Array.from({ length: 12 }, (_, i) => `m${i}`),
      10,
    );
    const instances: { id: string; active: number; maxActive: number; runs: number }[] = [];
    const [esm] = stack.startWorkers({
      queues: ['lanes'],
      waitTimeSeconds: 1,
      createHandler: (environment: LocalEnvironment): WorkerHandler => {
        const me = { id: environment.id, active: 0, maxActive: 0, runs: 0 };
        instances.push(me);
        return async () => {
          me.active++;
          me.maxActive = Math.max(me.maxActive, me.active);
          me.runs++;
          await sleep(150);
          me.active--;
          return ok();
        };
      },
    });
    await eventually(async () => (esm!.stats.deleted >= 12 ? true : undefined), 30_000, '12 records deleted');
    await esm!.stop();
    expect(instances).toHaveLength(3);
    expect(esm!.stats.environments).toBe(3);
    expect(instances.map((i) => i.maxActive)).toEqual([1, 1, 1]);
    expect(instances.reduce((n, i) => n + i.runs, 0)).toBe(12);
    expect(instances.filter((i) => i.runs > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('a timed-out invocation is discarded, its messages come back, and its later SDK calls are cut off', async () => {
    const side = await stack.sqs.send(
      new CreateQueueCommand({ QueueName: `${stack.plan.app}-side-${Date.now()}` }),
    );
    await sendBodies('slow', ['late'], 1);
    const afterTimeout: unknown[] = [];
    const invocations: InvocationInfo[] = [];
    const [esm] = stack.startWorkers({
      queues: ['slow'],
      waitTimeSeconds: 1,
      createHandler: (environment) => {
        const sqs = environment.fence(
          new SQSClient({
            region: stack.config.region,
            endpoint: stack.config.endpoints!.sqs!,
            credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
          }),
        );
        return async (event) => {
          if (event.Records[0]!.attributes.ApproximateReceiveCount === '1') {
            // Outlives the 1 s timeout, then tries a side effect.
            await sleep(1_500);
            try {
              await sqs.send(
                new SendMessageBatchCommand({
                  QueueUrl: side.QueueUrl!,
                  Entries: [{ Id: '0', MessageBody: 'from a dead invocation' }],
                }),
              );
              afterTimeout.push('sent');
            } catch (err) {
              afterTimeout.push(err);
            }
          }
          return ok();
        };
      },
      onInvoke: (info) => invocations.push(info),
    });
    // The message reappears after its visibility timeout (6 × 1 s) and runs in a new environment.
    await eventually(
      async () => (esm!.stats.deleted >= 1 ? true : undefined),
      30_000,
      'the retry to succeed',
    );
    await eventually(async () => (afterTimeout.length ? true : undefined), 10_000, 'the late call');
    await esm!.stop();
    expect(invocations.map((i) => i.outcome)).toEqual(['timeout', 'ok']);
    expect(invocations[0]!.environment).not.toBe(invocations[1]!.environment);
    expect(esm!.stats.environments).toBeGreaterThanOrEqual(2);
    expect(afterTimeout).toHaveLength(1);
    expect((afterTimeout[0] as Error).name).toBe('EnvironmentGoneError');
    const leaked = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: side.QueueUrl!, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(leaked.Messages ?? []).toEqual([]);
  });
});
