import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { CeleriacClient, chain, decodeEnvelope, enqueueMany } from '../../runtime/internal.js';
import { clientTokenFor, scheduleNameFor } from '../../runtime/schedules/one-time.js';
import { add, mul, registry } from './fixtures/canvas-tasks.js';
import { eventually, localStack, newPrefix, waitForState } from './harness.js';

let stack: LocalStack;
let offsetMs = 0;

beforeAll(async () => {
  stack = await localStack(registry, newPrefix(), { schedulerNow: () => Date.now() + offsetMs });
  stack.startWorkers({ waitTimeSeconds: 1, queues: ['default'] });
});
afterAll(() => stack?.stop());

const sdk = () =>
  new SchedulerClient({
    region: 'us-east-1',
    endpoint: stack.scheduler.endpoint,
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });

describe('local EventBridge Scheduler (real SchedulerClient on the wire)', () => {
  it('creates, gets, lists and deletes schedules; conflicts and missing ones are typed errors', async () => {
    const client = sdk();
    const target = {
      Arn: 'arn:aws:sqs:us-east-1:000000000000:nowhere',
      RoleArn: 'arn:aws:iam::000000000000:role/r',
      Input: '{}',
    };
    const created = await client.send(
      new CreateScheduleCommand({
        Name: 'wire-1',
        GroupName: 'g1',
        ScheduleExpression: 'cron(0 9 ? * MON-FRI *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target,
      }),
    );
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/g1/wire-1');
    const got = await client.send(new GetScheduleCommand({ Name: 'wire-1', GroupName: 'g1' }));
    expect(got).toMatchObject({
      Name: 'wire-1',
      GroupName: 'g1',
      ScheduleExpression: 'cron(0 9 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      Target: target,
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    const listed = await client.send(new ListSchedulesCommand({ GroupName: 'g1' }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(['wire-1']);
    const again = await client
      .send(
        new CreateScheduleCommand({
          Name: 'wire-1',
          GroupName: 'g1',
          ScheduleExpression: 'rate(5 minutes)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target,
        }),
      )
      .catch((e) => e);
    expect(again).toBeInstanceOf(ConflictException);
    await client.send(new DeleteScheduleCommand({ Name: 'wire-1', GroupName: 'g1' }));
    const missing = await client
      .send(new GetScheduleCommand({ Name: 'wire-1', GroupName: 'g1' }))
      .catch((e) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    client.destroy();
  });
});

describe('delays beyond 15 minutes', () => {
  it('goes through one CreateSchedule with the exact request, and the local scheduler fires it on time', async () => {
    const before = Date.now();
    const handle = await add.enqueue({ x: 40, y: 2 }, { client: stack.client, delay: '2h' });
    const request = stack.scheduler.requests.find(
      (r) => r.operation === 'CreateSchedule' && r.name === scheduleNameFor(handle.id),
    );
    expect(request).toBeDefined();
    const body = request!.body!;
    const input = (body.Target as { Input: string }).Input;
    const envelope = decodeEnvelope(input);
    expect(envelope.ok && envelope.envelope).toMatchObject({
      id: handle.id,
      task: 'add',
      args: { x: 40, y: 2 },
    });
    const eta = envelope.ok ? envelope.envelope.eta! : 0;
    expect(eta - before).toBeGreaterThanOrEqual(7_200_000);
    expect(body).toEqual({
      ActionAfterCompletion: 'DELETE',
      ClientToken: clientTokenFor(scheduleNameFor(handle.id)),
      Description: `celeriac add ${handle.id}`,
      FlexibleTimeWindow: { Mode: 'OFF' },
      GroupName: stack.config.scheduler!.group,
      ScheduleExpression: `at(${new Date(Math.ceil(eta / 1000) * 1000).toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: {
        Arn: expect.stringMatching(/^arn:aws:sqs:us-east-1:\d+:t[0-9a-f]+-default$/),
        RoleArn: stack.config.scheduler!.roleArn,
        Input: input,
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: stack.config.scheduler!.dlqArn },
      },
    });
    // Not before its time: a tick (awaited, so any firing it makes is recorded) leaves it scheduled…
    const name = scheduleNameFor(handle.id);
    await stack.scheduler.tick();
    expect(stack.scheduler.firings.filter((f) => f.schedule === name)).toEqual([]);
    expect(stack.scheduler.schedules.has(`${stack.config.scheduler!.group}/${name}`)).toBe(true);
    expect(await handle.state()).toBe('PENDING');
    // …then the clock reaches the eta: fired, then deleted (ActionAfterCompletion DELETE).
    offsetMs = eta - Date.now() + 1_000;
    await stack.scheduler.tick();
    expect(await handle.result({ timeout: '20s' })).toBe(42);
    expect(stack.scheduler.firings.filter((f) => f.schedule === name)).toHaveLength(1);
    expect(stack.scheduler.schedules.has(`${stack.config.scheduler!.group}/${name}`)).toBe(false);
    offsetMs = 0;
  });

  it('accepts an eta up to a year away; refuses beyond, or without a scheduler, or input over 256 KB', async () => {
    const h = await add.enqueue(
      { x: 1, y: 1 },
      { client: stack.client, eta: new Date(Date.now() + 300 * 86_400_000) },
    );
    expect(stack.scheduler.schedules.has(`${stack.config.scheduler!.group}/${scheduleNameFor(h.id)}`)).toBe(
      true,
    );
    await expect(add.enqueue({ x: 1, y: 1 }, { client: stack.client, delay: '366d' })).rejects.toMatchObject({
      code: 'DELAY_TOO_LONG',
    });
    const { scheduler: _s, ...noScheduler } = stack.config;
    const bare = new CeleriacClient({ config: noScheduler, sqs: stack.sqs, dynamodb: stack.dynamodb });
    const err = await add.enqueue({ x: 1, y: 1 }, { client: bare, delay: '1h' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'DELAY_TOO_LONG' });
    expect(err.message).toContain('no "scheduler"');
    const big = await add
      .enqueue({ x: 1, y: 'x'.repeat(300_000) as unknown as number }, { client: stack.client, delay: '1h' })
      .catch((e) => e);
    expect(big).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(big.message).toContain('262144');
  });

  it('enqueueMany schedules long delays and batches the rest', async () => {
    const results = await enqueueMany(
      [
        { task: add, args: { x: 1, y: 2 } },
        { task: add, args: { x: 3, y: 4 }, options: { delay: '1d' as const } },
      ],
      { client: stack.client },
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const [now, later] = results as unknown as [{ ok: true; id: string }, { ok: true; id: string }];
    expect((await waitForState(stack, now.id, ['SUCCESS'])).result).toBe(3);
    expect(
      stack.scheduler.schedules.has(`${stack.config.scheduler!.group}/${scheduleNameFor(later.id)}`),
    ).toBe(true);
  });

  it('a chain step with a long delay is scheduled when the previous step ends', async () => {
    const h = await chain(add.si({ x: 2, y: 3 }), mul.s({ y: 2 }, { resultKey: 'x', delay: '3h' })).apply({
      client: stack.client,
    });
    const lastId = h.resultIds[0]!;
    const key = `${stack.config.scheduler!.group}/${scheduleNameFor(lastId)}`;
    await eventually(async () => (stack.scheduler.schedules.has(key) ? true : undefined));
    offsetMs = 3 * 3_600_000 + 60_000;
    await stack.scheduler.tick();
    expect(await h.result({ timeout: '20s' })).toBe(10);
    offsetMs = 0;
  });
});
