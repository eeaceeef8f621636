import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { CeleriacBeat } from '../../infra/cdk/beat/index.js';
import { createRegistry, cron, rate, task } from '../../runtime/internal.js';
import { planOf } from '../../runtime/plan.js';

const report = task('report', {}, (_args: { kind: string }) => null);
const sync = task('sync', { queue: 'low' }, () => null);
const registry = createRegistry({
  queues: { default: {}, low: {} },
  tasks: [report, sync],
  schedules: [
    cron('0 9 * * MON-FRI', report, { timezone: 'Europe/Paris', args: { kind: 'daily' } }),
    rate('5 minutes', sync, { name: 'sync-often', enabled: false }),
  ],
});

function synth() {
  const stack = new Stack(new App(), 'Beat');
  const queues = { default: new sqs.Queue(stack, 'Default'), low: new sqs.Queue(stack, 'Low') };
  const dlq = new sqs.Queue(stack, 'SchedulerDlq');
  const role = new iam.Role(stack, 'Role', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
  });
  new CeleriacBeat(stack, 'Beat', {
    schedules: planOf(registry).schedules,
    groupName: 'celeriac-schedules',
    role,
    queues,
    deadLetterQueue: dlq,
  });
  const arn = (x: { queueArn: string } | { roleArn: string }) =>
    stack.resolve('queueArn' in x ? x.queueArn : x.roleArn) as unknown;
  return {
    template: Template.fromStack(stack),
    stack,
    arns: { default: arn(queues.default), low: arn(queues.low), dlq: arn(dlq), role: arn(role) },
  };
}

describe('CeleriacBeat', () => {
  it('creates one schedule per entry: 6-field cron, time zone, target queue with the envelope, retries, DLQ, role', () => {
    const { template, arns } = synth();
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    const input = planOf(registry).schedules[0]!.input;
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'celeriac-report',
      GroupName: 'celeriac-schedules',
      ScheduleExpression: 'cron(0 9 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: arns.default,
        RoleArn: arns.role,
        Input: input,
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: arns.dlq },
      },
    });
    expect(JSON.parse(input).id).toBe('beat-report-<aws.scheduler.scheduled-time>');
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'celeriac-sync-often',
      ScheduleExpression: 'rate(5 minutes)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'DISABLED',
      Target: Match.objectLike({ Arn: arns.low }),
    });
  });

  it('fails synth when an entry targets a queue it was not given', () => {
    const stack = new Stack(new App(), 'Bad');
    const dlq = new sqs.Queue(stack, 'Dlq');
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    });
    expect(
      () =>
        new CeleriacBeat(stack, 'Beat', {
          schedules: planOf(registry).schedules,
          groupName: 'g',
          role,
          queues: { default: new sqs.Queue(stack, 'Default') },
          deadLetterQueue: dlq,
        }),
    ).toThrow(/queue "low"/);
  });
});
