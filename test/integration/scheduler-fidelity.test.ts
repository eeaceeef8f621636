import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../infra/local/fault-proxy.js';
import { type LocalScheduler, startLocalScheduler } from '../../infra/local/scheduler/server.js';
import { newPrefix } from './harness.js';

const credentials = { accessKeyId: 'l', secretAccessKey: 'l' };
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';
const prefix = newPrefix();
const arnOf = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

let direct: SQSClient;
let proxy: FaultProxy;
let throttleNext = 0;
let scheduler: LocalScheduler;
let client: SchedulerClient;
let clock = Date.parse('2026-12-01T10:00:00Z');
const urls = new Map<string, string>();

beforeAll(async () => {
  direct = new SQSClient({ region: 'us-east-1', endpoint: inject('sqsEndpoint'), credentials });
  for (const name of ['target', 'dlq']) {
    const out = await direct.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}` }));
    urls.set(`${prefix}-${name}`, out.QueueUrl!);
  }
  // The Scheduler's deliveries go through a proxy that throttles the next `throttleNext` sends.
  proxy = await startFaultProxy({
    targets: { sqs: inject('sqsEndpoint') },
    rates: { throttle: 1 },
    eligible: (r) => r.operation === 'SendMessage' && throttleNext-- > 0,
  });
  scheduler = await startLocalScheduler({
    sqs: new SQSClient({ region: 'us-east-1', endpoint: proxy.endpoints.sqs!, credentials, maxAttempts: 1 }),
    resolveQueueUrl: (arn) => urls.get(arn.slice(arn.lastIndexOf(':') + 1)),
    now: () => clock,
    tickMs: 3_600_000,
    retryBackoff: { baseMs: 40_000, capMs: 600_000 },
    random: () => 1,
  });
  client = new SchedulerClient({
    region: 'us-east-1',
    endpoint: scheduler.endpoint,
    credentials,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client?.destroy();
  await scheduler?.stop();
  await proxy?.stop();
  direct?.destroy();
});

const at = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;
function request(name: string, extra: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput {
  return {
    Name: name,
    GroupName: 'g',
    ScheduleExpression: at(clock + 60_000),
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    ...extra,
    Target: {
      Arn: arnOf(`${prefix}-target`),
      RoleArn: ROLE,
      Input: `{"from":"${name}"}`,
      DeadLetterConfig: { Arn: arnOf(`${prefix}-dlq`) },
      ...extra.Target,
    },
  };
}

async function refusal(input: CreateScheduleCommandInput): Promise<string> {
  const err = await client.send(new CreateScheduleCommand(input)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationException);
  return (err as Error).message;
}

describe('the local Scheduler validates as Scheduler does', () => {
  it('refuses bad names, groups and ClientTokens (a "." is fine in a name, not in a token)', async () => {
    expect(await refusal(request('has/slash'))).toMatch(/'name' failed to satisfy constraint/);
    expect(await refusal(request('x'.repeat(65)))).toMatch(/'name'/);
    expect(await refusal(request('ok', { GroupName: 'bad group' }))).toMatch(/'groupName'/);
    expect(await refusal(request('t-order.42', { ClientToken: 't-order.42' }))).toMatch(
      /'clientToken'.*\[a-zA-Z0-9-_\]/,
    );
    // Far in the future: it must not take part in the delivery tests below.
    await client.send(
      new CreateScheduleCommand(
        request('t-order.42', {
          ClientToken: 't-order-42',
          ScheduleExpression: at(clock + 365 * 86_400_000),
        }),
      ),
    );
    expect(scheduler.schedules.has('g/t-order.42')).toBe(true);
  });

  it('refuses an at() in the past, an Input over 256 KB, bad cron and out-of-range retry policies', async () => {
    expect(await refusal(request('past', { ScheduleExpression: at(clock - 1_000) }))).toMatch(/in the past/);
    expect(
      await refusal(
        request('big', { Target: { Arn: arnOf('x'), RoleArn: ROLE, Input: 'x'.repeat(262_145) } }),
      ),
    ).toMatch(/262145 bytes/);
    expect(await refusal(request('cron5', { ScheduleExpression: 'cron(0 9 * * MON)' }))).toMatch(/6 fields/);
    expect(await refusal(request('both', { ScheduleExpression: 'cron(0 9 * * MON *)' }))).toMatch(/"\?"/);
    expect(await refusal(request('wrap', { ScheduleExpression: 'cron(0 9 ? * 7-1 *)' }))).toMatch(
      /backwards/,
    );
    expect(
      await refusal(
        request('retries', {
          Target: { Arn: arnOf('x'), RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 186 } },
        }),
      ),
    ).toMatch(/MaximumRetryAttempts must be 0-185/);
    expect(
      await refusal(
        request('age', {
          Target: { Arn: arnOf('x'), RoleArn: ROLE, RetryPolicy: { MaximumEventAgeInSeconds: 59 } },
        }),
      ),
    ).toMatch(/MaximumEventAgeInSeconds must be 60-86400/);
    expect(await refusal(request('tz', { ScheduleExpressionTimezone: 'Mars/Olympus' }))).toMatch(/time zone/);
    expect(await refusal(request('role', { Target: { Arn: arnOf('x'), RoleArn: 'not-a-role' } }))).toMatch(
      /RoleArn/,
    );
  });
});

describe('the local Scheduler delivers as Scheduler does', () => {
  it('retries a throttled delivery after a backoff, then delivers', async () => {
    await client.send(new CreateScheduleCommand(request('retry-then-ok')));
    throttleNext = 1;
    clock += 61_000;
    const before = proxy.stats.targets.sqs.throttle;
    await scheduler.tick();
    expect(proxy.stats.targets.sqs.throttle).toBe(before + 1);
    expect(scheduler.schedules.get('g/retry-then-ok')?.retryAt).toBe(clock + 40_000);
    // Not before its backoff…
    clock += 39_000;
    await scheduler.tick();
    expect(scheduler.firings.some((f) => f.schedule === 'retry-then-ok')).toBe(false);
    // …then delivered, and the one-time schedule deleted.
    clock += 1_000;
    await scheduler.tick();
    expect(scheduler.firings.filter((f) => f.schedule === 'retry-then-ok')).toHaveLength(1);
    expect(scheduler.schedules.has('g/retry-then-ok')).toBe(false);
  });

  it('dead-letters after MaximumRetryAttempts, with the failure as message attributes', async () => {
    await client.send(
      new CreateScheduleCommand(
        request('exhausted', {
          Target: {
            Arn: arnOf(`${prefix}-target`),
            RoleArn: ROLE,
            Input: '{"from":"exhausted"}',
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: arnOf(`${prefix}-dlq`) },
          },
        }),
      ),
    );
    throttleNext = 3;
    clock += 61_000;
    for (let i = 0; i < 3; i++) {
      await scheduler.tick();
      clock += 600_000;
    }
    const dead = scheduler.deadLetters.find((d) => d.schedule === 'exhausted');
    expect(dead).toMatchObject({
      condition: 'MaximumRetryAttempts',
      attempts: 3,
      sentToDlq: true,
      errorCode: expect.stringMatching(/Throttl/),
    });
    const out = await direct.send(
      new ReceiveMessageCommand({
        QueueUrl: urls.get(`${prefix}-dlq`)!,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const message = out.Messages?.find((m) => m.Body === '{"from":"exhausted"}');
    expect(message?.MessageAttributes?.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe('MaximumRetryAttempts');
    expect(message?.MessageAttributes?.RETRY_ATTEMPTS?.StringValue).toBe('2');
    expect(message?.MessageAttributes?.TARGET_ARN?.StringValue).toBe(arnOf(`${prefix}-target`));
    expect(scheduler.firings.some((f) => f.schedule === 'exhausted')).toBe(false);
    expect(scheduler.schedules.has('g/exhausted')).toBe(false);
  });

  it('dead-letters once the next retry would pass MaximumEventAgeInSeconds', async () => {
    await client.send(
      new CreateScheduleCommand(
        request('too-old', {
          Target: {
            Arn: arnOf(`${prefix}-target`),
            RoleArn: ROLE,
            Input: '{"from":"too-old"}',
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 60 },
            DeadLetterConfig: { Arn: arnOf(`${prefix}-dlq`) },
          },
        }),
      ),
    );
    throttleNext = 2;
    clock += 61_000;
    await scheduler.tick(); // fails; retry due 40 s later, within 60 s
    clock += 40_000;
    await scheduler.tick(); // fails; the next retry (80 s later) would be 120 s after the firing time
    expect(scheduler.deadLetters.find((d) => d.schedule === 'too-old')).toMatchObject({
      condition: 'MaximumEventAgeInSeconds',
      attempts: 2,
      sentToDlq: true,
    });
  });

  it('dead-letters at once when the target does not exist (not retryable)', async () => {
    await client.send(
      new CreateScheduleCommand(
        request('no-queue', {
          Target: {
            Arn: arnOf(`${prefix}-missing`),
            RoleArn: ROLE,
            Input: '{"from":"no-queue"}',
            DeadLetterConfig: { Arn: arnOf(`${prefix}-dlq`) },
          },
        }),
      ),
    );
    clock += 61_000;
    await scheduler.tick();
    expect(scheduler.deadLetters.find((d) => d.schedule === 'no-queue')).toMatchObject({
      condition: 'NonRetryableError',
      attempts: 1,
      errorCode: 'AWS.SimpleQueueService.NonExistentQueue',
      sentToDlq: true,
    });
  });
});
