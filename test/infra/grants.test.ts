import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { TaskRuntimeValidationError } from '../../infra/cdk/errors.js';
import { buildStack, plan, prebuiltCode } from './fixtures.js';
import { flat, lid, parseFlatJson, permissionsOf } from './helpers.js';

describe('grants and client wiring', () => {
  const stack = buildStack({
    schedules: {
      Nightly: {
        schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }),
        queue: 'low',
        body: '{"v":1}',
        description: 'nightly report',
      },
    },
  });
  const rt = stack.runtime;
  const producer = new iam.Role(stack, 'Producer', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  const reader = new iam.Role(stack, 'Reader', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  const enqueueGrant = rt.grantEnqueue(producer);
  const readGrant = rt.grantReadResults(reader);
  const role = (id: string) =>
    new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const waiter = role('Waiter');
  const revoker = role('Revoker');
  const workflows = role('Workflows');
  const support = role('Support');
  const waitGrant = rt.grantReadHandles(waiter);
  const revokeGrant = rt.grantRevoke(revoker);
  const workflowGrant = rt.grantReadWorkflows(workflows);
  const readOnlyGrant = rt.grantDashboardReadOnly(support);
  const api = new lambda.Function(stack, 'Api', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: prebuiltCode(),
    environment: rt.clientEnvironment(),
  });
  const template = Template.fromStack(stack);
  const table = `<${lid(stack, rt.results.table)}.Arn>`;

  const schedules =
    'arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/celeriac-schedules/*';
  const statementsOf = (roleId: string) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as unknown[]).some((r) => flat(r) === `<${roleId}>`))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Condition?: unknown }[]);
  const conditionOf = (roleId: string, action: string) =>
    statementsOf(roleId).find((s) => JSON.stringify(s.Action).includes(action))?.Condition;

  it('grantEnqueue: SendMessage on the work queues, idem# keys only, schedules of the group, PassRole to Scheduler; reads nothing', () => {
    expect(enqueueGrant.success).toBe(true);
    expect(permissionsOf(template, lid(stack, producer))).toEqual(
      new Set([
        ...plan.queues.map((q) => `sqs:SendMessage <${lid(stack, rt.queue(q.name).queue)}.Arn>`),
        `dynamodb:PutItem ${table}`,
        `dynamodb:DeleteItem ${table}`,
        'scheduler:CreateSchedule arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/celeriac-schedules/*',
        'scheduler:DeleteSchedule arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/celeriac-schedules/*',
        `iam:PassRole <${lid(stack, rt.scheduler.role)}.Arn>`,
      ]),
    );
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      (p.Properties.Roles as unknown[]).some((r) => flat(r) === `<${lid(stack, producer)}>`),
    )!;
    const passRole = (
      policy.Properties.PolicyDocument.Statement as { Action: unknown; Condition?: unknown }[]
    ).find((s) => s.Action === 'iam:PassRole');
    expect(passRole?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
    // Idempotency keys only: the producer may write no other item of the results table.
    const idem = (
      policy.Properties.PolicyDocument.Statement as { Action: unknown; Condition?: unknown }[]
    ).find((s) => JSON.stringify(s.Action).includes('dynamodb:PutItem'));
    expect(idem?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['idem#*'] } });
  });

  it('grantReadHandles: GetItem and BatchGetItem by id, no Query (cannot list other tasks)', () => {
    expect(waitGrant.success).toBe(true);
    expect(permissionsOf(template, lid(stack, waiter))).toEqual(
      new Set([`dynamodb:GetItem ${table}`, `dynamodb:BatchGetItem ${table}`]),
    );
  });

  it('grantRevoke: read and update records, PutItem on _revoked# keys only, Query byRoot, DeleteSchedule only', () => {
    expect(revokeGrant.success).toBe(true);
    expect(permissionsOf(template, lid(stack, revoker))).toEqual(
      new Set([
        `dynamodb:GetItem ${table}`,
        `dynamodb:UpdateItem ${table}`,
        `dynamodb:PutItem ${table}`,
        `dynamodb:Query ${table}/index/byRoot`,
        `scheduler:DeleteSchedule ${schedules}`,
      ]),
    );
    expect(conditionOf(lid(stack, revoker), 'dynamodb:PutItem')).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['_revoked#*'] },
    });
  });

  it('grantReadWorkflows: Query on byRoot only, and the member reads', () => {
    expect(workflowGrant.success).toBe(true);
    expect(permissionsOf(template, lid(stack, workflows))).toEqual(
      new Set([
        `dynamodb:GetItem ${table}`,
        `dynamodb:BatchGetItem ${table}`,
        `dynamodb:Query ${table}/index/byRoot`,
      ]),
    );
  });

  it('grantDashboardReadOnly: reads and queue counts, no write of any kind', () => {
    expect(readOnlyGrant.success).toBe(true);
    const granted = permissionsOf(template, lid(stack, support));
    expect(granted).toEqual(
      new Set([
        `dynamodb:GetItem ${table}`,
        `dynamodb:BatchGetItem ${table}`,
        `dynamodb:Query ${table}`,
        ...plan.table.indexes.map((ix) => `dynamodb:Query ${table}/index/${ix.name}`),
        ...plan.queues.flatMap((q) => [
          `sqs:GetQueueAttributes <${lid(stack, rt.queue(q.name).queue)}.Arn>`,
          `sqs:GetQueueAttributes <${lid(stack, rt.queue(q.name).deadLetterQueue)}.Arn>`,
        ]),
      ]),
    );
  });

  it('grantReadResults: GetItem, BatchGetItem and Query on the table, Query on each index by name, no Scan', () => {
    expect(readGrant.success).toBe(true);
    expect(permissionsOf(template, lid(stack, reader))).toEqual(
      new Set([
        `dynamodb:GetItem ${table}`,
        `dynamodb:BatchGetItem ${table}`,
        `dynamodb:Query ${table}`,
        ...plan.table.indexes.map((ix) => `dynamodb:Query ${table}/index/${ix.name}`),
      ]),
    );
  });

  it('clientEnvironment() puts CELERIAC_CONFIG, the same JSON as the workers get, on another function', () => {
    expect(Object.keys(rt.clientEnvironment())).toEqual(['CELERIAC_CONFIG']);
    const fn = template.findResources('AWS::Lambda::Function');
    const apiConfig = fn[lid(stack, api)]!.Properties.Environment.Variables.CELERIAC_CONFIG;
    const workerConfig =
      fn[lid(stack, rt.workers.get('default')!.function)]!.Properties.Environment.Variables.CELERIAC_CONFIG;
    expect(apiConfig).toEqual(workerConfig);
    expect(parseFlatJson(apiConfig)).toMatchObject({ queues: { high: {}, default: {}, low: {} } });
  });

  it('schedules (prop or addSchedule) target a plan queue with the scheduler role, retry policy and DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      GroupName: 'celeriac-schedules',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      Description: 'nightly report',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [lid(stack, rt.queue('low').queue), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [lid(stack, rt.scheduler.role), 'Arn'] },
        Input: '{"v":1}',
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [lid(stack, rt.scheduler.deadLetterQueue), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      },
    });
    // The group name is a literal (plan names): the schedule is still created after the group.
    const [nightly] = Object.values(
      template.findResources('AWS::Scheduler::Schedule', { Properties: { Description: 'nightly report' } }),
    );
    expect(nightly!.DependsOn).toContain(lid(stack, rt.scheduler.group));
  });

  it('addSchedule to a queue not in the plan fails, naming it and the known queues', () => {
    const other = buildStack();
    expect(() =>
      other.runtime.addSchedule('Bad', {
        schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
        queue: 'urgent',
        body: '{}',
      }),
    ).toThrow(TaskRuntimeValidationError);
    expect(() =>
      other.runtime.addSchedule('Bad2', {
        schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
        queue: 'urgent',
        body: '{}',
      }),
    ).toThrow(/queue = "urgent": not in the plan \(plan queues: high, default, low\)/);
  });
});
