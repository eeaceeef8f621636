import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { TaskRuntimeValidationError } from '../../infra/cdk/errors.js';
import { DLQ_ACTIONS, ITEM_ACTIONS, QUEUE_ACTIONS } from '../../infra/cdk/results-api/index.js';
import type { ResourcePlan, SchedulePlan } from '../../runtime/plan.js';
import { buildStack, plan } from './fixtures.js';
import { expectResource, lid, permissionsOf } from './helpers.js';

// One stack for the file (stand-in worker and API code: no bundling).
const stack = buildStack();
const template = Template.fromStack(stack);
const rt = stack.runtime;
const api = rt.api!;
const arnOf = (construct: Parameters<typeof lid>[1]) => ({ 'Fn::GetAtt': [lid(stack, construct), 'Arn'] });
const SCHEDULES =
  'arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/celeriac-schedules/*';

describe('the results API in the runtime', () => {
  it('is a child of the runtime behind a Function URL with AWS_IAM auth, with the workers’ client config', () => {
    expect(api.node.path).toBe('Celeriac/Tasks/ResultsApi');
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: arnOf(api.function),
    });
    const functions = template.findResources('AWS::Lambda::Function');
    const config = (id: string) => functions[id]!.Properties.Environment.Variables.CELERIAC_CONFIG;
    expect(config(lid(stack, api.function))).toEqual(config(lid(stack, rt.workers.get('default')!.function)));
    expectResource(template, 'AWS::Lambda::Function', lid(stack, api.function), {
      Properties: {
        Description: Match.stringLikeRegexp('results API'),
        Role: arnOf(api.role),
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
      },
    });
  });

  it('outputs CeleriacApiUrl, the Function URL the CLI reads', () => {
    template.hasOutput('CeleriacApiUrl', {
      Value: { 'Fn::GetAtt': [lid(stack, api.functionUrl), 'FunctionUrl'] },
    });
  });

  it('its role has exactly the API’s grants: items, named indexes, queues, DLQs, schedules of the group, its logs', () => {
    const table = `<${lid(stack, rt.results.table)}.Arn>`;
    const queues = [...rt.queues.values()];
    expect(permissionsOf(template, lid(stack, api.role))).toEqual(
      new Set([
        ...ITEM_ACTIONS.map((a) => `${a} ${table}`),
        // Revocation items only (a LeadingKeys condition, checked in grants.test.ts).
        `dynamodb:PutItem ${table}`,
        ...plan.table.indexes.map((ix) => `dynamodb:Query ${table}/index/${ix.name}`),
        ...queues.flatMap((q) => QUEUE_ACTIONS.map((a) => `${a} <${lid(stack, q.queue)}.Arn>`)),
        ...queues.flatMap((q) => DLQ_ACTIONS.map((a) => `${a} <${lid(stack, q.deadLetterQueue)}.Arn>`)),
        // Revoke deletes a long-delayed task's schedule; enqueue with a long delay creates one.
        `scheduler:CreateSchedule ${SCHEDULES}`,
        `scheduler:DeleteSchedule ${SCHEDULES}`,
        `iam:PassRole <${lid(stack, rt.scheduler.role)}.Arn>`,
        `logs:CreateLogStream <${lid(stack, api.logGroup)}.Arn>`,
        `logs:PutLogEvents <${lid(stack, api.logGroup)}.Arn>`,
      ]),
    );
  });

  it('grantDashboardAccess lets a principal invoke the Function URL of the API, nothing else', () => {
    const s = buildStack();
    const ops = new iam.Role(s, 'Operators', { assumedBy: new iam.AccountRootPrincipal() });
    expect(s.runtime.grantDashboardAccess(ops).success).toBe(true);
    const t = Template.fromStack(s);
    const fn = `<${lid(s, s.runtime.api!.function)}.Arn>`;
    const granted = permissionsOf(t, lid(s, ops));
    expect(granted.has(`lambda:InvokeFunctionUrl ${fn}`)).toBe(true);
    for (const line of granted) expect(line).toMatch(new RegExp(`^lambda:Invoke\\S* ${fn}`));
  });

  it('shares the workers’ runtime, tracing, log retention and removal policy', () => {
    const s = buildStack({
      runtime: lambda.Runtime.NODEJS_22_X,
      tracing: lambda.Tracing.ACTIVE,
      logRetention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const t = Template.fromStack(s);
    const a = s.runtime.api!;
    expect(t.findResources('AWS::Lambda::Function')[lid(s, a.function)]!.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      TracingConfig: { Mode: 'Active' },
    });
    expect(t.findResources('AWS::Logs::LogGroup')[lid(s, a.logGroup)]).toMatchObject({
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
    });
  });

  it('resultsApi.enabled false leaves out the function, URL and output; grantDashboardAccess then fails', () => {
    const s = buildStack({ resultsApi: { enabled: false } });
    const t = Template.fromStack(s);
    expect(s.runtime.api).toBeUndefined();
    t.resourceCountIs('AWS::Lambda::Url', 0);
    t.resourceCountIs('AWS::Lambda::Function', plan.queues.length);
    expect(t.findOutputs('CeleriacApiUrl')).toEqual({});
    const ops = new iam.Role(s, 'Operators', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => s.runtime.grantDashboardAccess(ops)).toThrow(TaskRuntimeValidationError);
    expect(() => s.runtime.grantDashboardAccess(ops)).toThrow(/resultsApi\.enabled = false/);
  });
});

describe('beat in the runtime', () => {
  it('the plan declares periodic tasks (tasks/index.ts: nightly-primes)', () => {
    expect(plan.schedules.map((s) => s.name)).toContain('nightly-primes');
  });

  it.each(plan.schedules)(
    'schedule $name: 6-field cron, time zone, group, target queue ARN with the envelope Input, role, retries, DLQ',
    (entry) => {
      expect(entry.expression).toMatch(/^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/);
      template.hasResource('AWS::Scheduler::Schedule', {
        Properties: {
          Name: entry.scheduleName,
          GroupName: 'celeriac-schedules',
          ScheduleExpression: entry.expression,
          ScheduleExpressionTimezone: entry.timezone,
          FlexibleTimeWindow: { Mode: 'OFF' },
          State: entry.enabled ? 'ENABLED' : 'DISABLED',
          Target: {
            Arn: arnOf(rt.queue(entry.queue).queue),
            RoleArn: arnOf(rt.scheduler.role),
            Input: entry.input,
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
            DeadLetterConfig: { Arn: arnOf(rt.scheduler.deadLetterQueue) },
          },
        },
        // The group name is a literal: the schedule must still be created after the group.
        DependsOn: Match.arrayWith([lid(stack, rt.scheduler.group)]),
      });
    },
  );

  it('one schedule per plan entry, each under Tasks/Beat; the nightly-primes Input is its beat envelope', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', plan.schedules.length);
    expect([...rt.beat!.schedules.keys()]).toEqual(plan.schedules.map((s) => s.name));
    const nightly = plan.schedules.find((s) => s.name === 'nightly-primes')!;
    expect(nightly).toMatchObject({ expression: 'cron(0 3 * * ? *)', timezone: 'UTC', queue: 'low' });
    expect(JSON.parse(nightly.input)).toMatchObject({
      id: 'beat-nightly-primes-<aws.scheduler.scheduled-time>',
      task: 'examples.count-primes',
      queue: 'low',
    });
  });

  it('the scheduler role may send to every target queue and to the scheduler DLQ', () => {
    const granted = permissionsOf(template, lid(stack, rt.scheduler.role));
    for (const entry of plan.schedules)
      expect(granted).toContain(`sqs:SendMessage <${lid(stack, rt.queue(entry.queue).queue)}.Arn>`);
    expect(granted).toContain(`sqs:SendMessage <${lid(stack, rt.scheduler.deadLetterQueue)}.Arn>`);
  });

  it('outputs the beat schedule names', () => {
    template.hasOutput('BeatScheduleNames', {
      Value: { Ref: lid(stack, rt.beat!.schedules.get('nightly-primes')!) },
    });
  });

  it('a second entry (rate, disabled, another queue) gets its own schedule; a plan without entries gets no beat', () => {
    const extra: SchedulePlan = {
      name: 'sync-often',
      scheduleName: 'celeriac-sync-often',
      task: 'examples.count-primes',
      queue: 'high',
      source: '5 minutes',
      expression: 'rate(5 minutes)',
      timezone: 'Europe/Paris',
      enabled: false,
      input: '{"v":1}',
    };
    const two = buildStack({ plan: { ...plan, schedules: [...plan.schedules, extra] } });
    const t = Template.fromStack(two);
    t.resourceCountIs('AWS::Scheduler::Schedule', plan.schedules.length + 1);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'celeriac-sync-often',
      ScheduleExpression: 'rate(5 minutes)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'DISABLED',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [lid(two, two.runtime.queue('high').queue), 'Arn'] } }),
    });

    const none: ResourcePlan = { ...plan, schedules: [] };
    const s = buildStack({ plan: none });
    expect(s.runtime.beat).toBeUndefined();
    const tn = Template.fromStack(s);
    tn.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(tn.findOutputs('BeatScheduleNames')).toEqual({});
  });
});
