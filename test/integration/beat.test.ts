import { ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { createWorker, type Envelope, runScheduleNow } from '../../runtime/internal.js';
import { beatRuns, charge, registry } from './fixtures/beat-tasks.js';
import { localStack, newPrefix, type ProbedWorker, probeWorker, waitForState } from './harness.js';

let stack: LocalStack;
let offsetMs = 0;
let worker: ProbedWorker;

beforeAll(async () => {
  stack = await localStack(registry, newPrefix(), { schedulerNow: () => Date.now() + offsetMs });
  worker = probeWorker(createWorker(registry, { client: stack.client }));
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'], handler: worker.handler });
});
afterAll(() => stack?.stop());

describe('beat', () => {
  it('puts each entry in the plan with the translated expression and an envelope template keyed on the scheduled time', () => {
    const weekday = stack.plan.schedules.find((s) => s.name === 'weekday')!;
    expect(weekday).toMatchObject({
      task: 'tick',
      queue: 'default',
      source: '0 9 * * MON-FRI',
      expression: 'cron(0 9 ? * MON-FRI *)',
      timezone: 'Europe/Paris',
      enabled: true,
    });
    expect(JSON.parse(weekday.input)).toEqual({
      v: 1,
      id: 'beat-weekday-<aws.scheduler.scheduled-time>',
      task: 'tick',
      args: { n: 2 },
      queue: 'default',
      enqueuedAt: 0,
      root: 'beat-weekday-<aws.scheduler.scheduled-time>',
      beat: { schedule: 'weekday', at: '<aws.scheduler.scheduled-time>' },
    });
    expect(stack.plan.schedules.find((s) => s.name === 'five')).toMatchObject({
      expression: 'rate(5 minutes)',
      enabled: false,
    });
  });

  it('the local stack creates one schedule per entry in the group', async () => {
    const out = await stack.client.scheduler.send(
      new ListSchedulesCommand({ GroupName: stack.config.scheduler!.group }),
    );
    const byName = Object.fromEntries((out.Schedules ?? []).map((s) => [s.Name, s.State]));
    expect(byName).toMatchObject({
      [stack.plan.schedules[0]!.scheduleName]: 'ENABLED',
      [stack.plan.schedules[2]!.scheduleName]: 'DISABLED',
    });
  });

  it('fires a cron entry at its time; the task id is keyed on the scheduled time', async () => {
    offsetMs = 61_000;
    await stack.scheduler.tick();
    offsetMs = 0;
    const firing = stack.scheduler.firings.find((f) => f.schedule.endsWith('every-minute'))!;
    expect(firing.scheduledTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
    const id = `beat-every-minute-${firing.scheduledTime}`;
    const rec = await waitForState(stack, id, ['SUCCESS']);
    expect(rec).toMatchObject({ task: 'tick', result: { n: 1, at: id } });
    expect(rec.enqueuedAt).toBe(Date.parse(firing.scheduledTime));
  });

  it('a repeated delivery of the same firing runs once', async () => {
    const firing = stack.scheduler.firings.find((f) => f.schedule.endsWith('every-minute'))!;
    const id = `beat-every-minute-${firing.scheduledTime}`;
    expect(await worker.handled(id)).toEqual(['done']);
    expect(beatRuns.get(id)).toBe(1);
    const url = stack.config.queues.default!.url;
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: firing.body }));
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: firing.body }));
    // The worker has finished both repeated deliveries (deleted, not retried): neither ran the task.
    expect(await worker.handled(id, 3)).toEqual(['done', 'done', 'done']);
    expect(beatRuns.get(id)).toBe(1);
  });

  it('runs a periodic task now, by hand', async () => {
    const handle = await runScheduleNow(registry, 'weekday', { client: stack.client });
    expect(handle.id).toMatch(/^beat-weekday-/);
    expect(await handle.result({ timeout: '20s' })).toMatchObject({ n: 2 });
    await expect(runScheduleNow(registry, 'nope', { client: stack.client })).rejects.toMatchObject({
      code: 'UNKNOWN_SCHEDULE',
    });
  });
});

describe('run-once tasks', () => {
  const url = () => stack.config.queues.manual!.url;
  const record = (env: Envelope, n: number) => ({
    messageId: `${env.id}-${n}`,
    receiptHandle: `rh-${n}`,
    body: JSON.stringify(env),
    attributes: { ApproximateReceiveCount: '1' },
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${url().slice(url().lastIndexOf('/') + 1)}`,
  });
  const ctx = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 20_000 });

  it('executes at most once per id under concurrent and repeated delivery; the duplicate gets the stored result', async () => {
    const worker = createWorker(registry, { client: stack.client });
    const env: Envelope = {
      v: 1,
      id: `once-${Date.now()}`,
      task: charge.name,
      args: { cents: 500 },
      queue: 'manual',
      enqueuedAt: Date.now(),
      root: `once-${Date.now()}`,
    };
    const [a, b] = await Promise.all([
      worker({ Records: [record(env, 1)] }, ctx('o1')),
      worker({ Records: [record(env, 2)] }, ctx('o2')),
    ]);
    expect(beatRuns.get(env.id)).toBe(1);
    // The concurrent duplicate was deferred (replaced by a delayed copy), not failed.
    expect([...a.batchItemFailures, ...b.batchItemFailures]).toEqual([]);
    const later = await worker({ Records: [record(env, 3)] }, ctx('o3'));
    expect(later.batchItemFailures).toEqual([]);
    expect(beatRuns.get(env.id)).toBe(1);
    expect((await stack.client.results.get(env.id))?.result).toEqual({ charged: 500 });
  });
});
