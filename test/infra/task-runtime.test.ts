import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { CONSUME_ACTIONS } from '../../infra/cdk/worker.js';
import { routesOf } from '../../runtime/routes.js';
import { buildStack, plan } from './fixtures.js';
import { allStatements, expectResource, flat, lid, parseFlatJson, permissionsOf } from './helpers.js';

// One stack for the whole file: stand-in worker code, so no bundling here.
const stack = buildStack({ alarmEmail: 'ops@example.com' });
const template = Template.fromStack(stack);
const rt = stack.runtime;
const queueIds = plan.queues.map((q) => lid(stack, rt.queue(q.name).queue));
const tableId = lid(stack, rt.results.table);
const workerIds = plan.queues.map((q) => lid(stack, rt.workers.get(q.name)!.function));
/** The environment of one function, by logical id. */
const configOf = (logicalId: string) =>
  template.findResources('AWS::Lambda::Function')[logicalId]!.Properties.Environment.Variables
    .CELERIAC_CONFIG;

/** The newest Node.js runtime this aws-cdk-lib knows. */
function newestNode(): string {
  const versions = lambda.Runtime.ALL.map((r) => r.name)
    .filter((n) => /^nodejs\d+\.x$/.test(n))
    .sort((a, b) => Number.parseInt(a.slice(6), 10) - Number.parseInt(b.slice(6), 10));
  return versions.at(-1)!;
}

describe('queues', () => {
  it.each(plan.queues)(
    'queue $name: SSE, 1 MiB, visibility ≥ 6 × timeout + window, redrive to its DLQ',
    (q) => {
      const wq = rt.queue(q.name);
      expect(q.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
        6 * q.workerTimeoutSeconds + q.batchingWindowSeconds,
      );
      template.hasResource('AWS::SQS::Queue', {
        Properties: {
          QueueName: q.queueName,
          SqsManagedSseEnabled: true,
          MaximumMessageSize: 1_048_576,
          VisibilityTimeout: q.visibilityTimeoutSeconds,
          MessageRetentionPeriod: q.retentionSeconds,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': [lid(stack, wq.deadLetterQueue), 'Arn'] },
            maxReceiveCount: q.maxReceiveCount,
          },
        },
      });
      expect(q.maxReceiveCount).toBeGreaterThanOrEqual(5);
    },
  );

  it.each(plan.queues)('DLQ of $name: SSE, 1 MiB, retention longer than its source', (q) => {
    expect(q.dlqRetentionSeconds).toBeGreaterThan(q.retentionSeconds);
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: q.dlqName,
      SqsManagedSseEnabled: true,
      MaximumMessageSize: 1_048_576,
      MessageRetentionPeriod: q.dlqRetentionSeconds,
      RedrivePolicy: Match.absent(),
    });
  });

  it('every queue, DLQs and the scheduler DLQ included, denies non-TLS access', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(plan.queues.length * 2 + 1);
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    for (const id of Object.keys(queues)) {
      const policy = policies.find((p) =>
        (p.Properties.Queues as unknown[]).some((q) => flat(q) === `<${id}>`),
      );
      expect(policy, `queue policy of ${id}`).toBeDefined();
      expect(policy!.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
    for (const q of Object.values(queues)) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
  });
});

describe('workers', () => {
  it.each(plan.queues)(
    'worker $name: newest Node LTS, arm64, memory, timeout, reserved concurrency, JSON logs',
    (q) => {
      const worker = rt.workers.get(q.name)!;
      expect(q.reservedConcurrency).toBeGreaterThanOrEqual(q.maxConcurrency);
      expectResource(template, 'AWS::Lambda::Function', lid(stack, worker.function), {
        Properties: {
          Runtime: newestNode(),
          Architectures: ['arm64'],
          MemorySize: q.memoryMb,
          Timeout: q.workerTimeoutSeconds,
          ReservedConcurrentExecutions: q.reservedConcurrency,
          Role: { 'Fn::GetAtt': [lid(stack, worker.role), 'Arn'] },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: lid(stack, worker.logGroup) } },
          Environment: {
            Variables: { CELERIAC_CONFIG: Match.anyValue(), NODE_OPTIONS: '--enable-source-maps' },
          },
        },
      });
      expectResource(template, 'AWS::Logs::LogGroup', lid(stack, worker.logGroup), {
        Properties: { RetentionInDays: 30 },
      });
    },
  );

  it('reserveConcurrency false sets no reserved concurrency: the event source maximum is the only cap', () => {
    const t = Template.fromStack(buildStack({ reserveConcurrency: false }));
    const workers = Object.values(t.findResources('AWS::Lambda::Function')).filter((f) =>
      String(f.Properties.Description).startsWith('Celeriac worker'),
    );
    expect(workers).toHaveLength(plan.queues.length);
    for (const w of workers) expect(w.Properties.ReservedConcurrentExecutions).toBeUndefined();
    for (const q of plan.queues) {
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: q.maxConcurrency },
      });
    }
  });

  it.each(plan.queues)(
    'event source of $name: batch size, window, max concurrency, ReportBatchItemFailures',
    (q) => {
      const worker = rt.workers.get(q.name)!;
      template.hasResource('AWS::Lambda::EventSourceMapping', {
        Properties: {
          FunctionName: { Ref: lid(stack, worker.function) },
          EventSourceArn: { 'Fn::GetAtt': [lid(stack, rt.queue(q.name).queue), 'Arn'] },
          BatchSize: q.batchSize,
          MaximumBatchingWindowInSeconds:
            q.batchingWindowSeconds > 0 ? q.batchingWindowSeconds : Match.absent(),
          ScalingConfig: { MaximumConcurrency: q.maxConcurrency },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        },
        // Created after the role may read the queue (Lambda checks it at creation).
        DependsOn: Match.arrayWith([Match.stringLikeRegexp('RoleDefaultPolicy')]),
      });
    },
  );

  it('CELERIAC_CONFIG holds the region, table, every queue and DLQ URL, the routes and the scheduler', () => {
    // Every worker carries the same client config.
    for (const id of workerIds) expect(configOf(id), id).toEqual(configOf(workerIds[0]!));
    const config = parseFlatJson(configOf(workerIds[0]!));
    expect(config).toEqual({
      region: '<AWS::Region>',
      table: `<${tableId}>`,
      // Writers shard index keys as the readers (API, CLI) do: the plan's counts.
      resultShards: plan.table.shards,
      queues: Object.fromEntries(
        plan.queues.map((q) => [
          q.name,
          {
            url: `<${lid(stack, rt.queue(q.name).queue)}>`,
            dlqUrl: `<${lid(stack, rt.queue(q.name).deadLetterQueue)}>`,
          },
        ]),
      ),
      // Task name → queue (and declared tags), so producers can enqueue by name.
      routes: routesOf(plan),
      scheduler: {
        group: 'celeriac-schedules',
        roleArn: `<${lid(stack, rt.scheduler.role)}.Arn>`,
        dlqArn: `<${lid(stack, rt.scheduler.deadLetterQueue)}.Arn>`,
      },
    });
  });

  it.each(plan.queues)(
    'IAM of worker $name: exactly consume, send, its item actions, schedules and its own logs',
    (q) => {
      const worker = rt.workers.get(q.name)!;
      const own = `<${lid(stack, rt.queue(q.name).queue)}.Arn>`;
      const table = `<${tableId}.Arn>`;
      const schedules =
        'arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/celeriac-schedules/*';
      const expected = new Set([
        ...CONSUME_ACTIONS.map((a) => `${a} ${own}`),
        ...queueIds.map((id) => `sqs:SendMessage <${id}.Arn>`),
        `sqs:SendMessage <${lid(stack, rt.queue(q.name).deadLetterQueue)}.Arn>`,
        // The worker path: revocation items, records, run-once claims, chords (BatchGetItem of the
        // counter shards and member results), rate limits.
        ...['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem'].map(
          (a) => `dynamodb:${a} ${table}`,
        ),
        // getWorkflow() from a task: Query on the workflow index only.
        `dynamodb:Query ${table}/index/byRoot`,
        // A canvas step delayed over 15 minutes: a one-time schedule in the runtime's group.
        `scheduler:CreateSchedule ${schedules}`,
        `scheduler:DeleteSchedule ${schedules}`,
        `iam:PassRole <${lid(stack, rt.scheduler.role)}.Arn>`,
        `logs:CreateLogStream <${lid(stack, worker.logGroup)}.Arn>`,
        `logs:PutLogEvents <${lid(stack, worker.logGroup)}.Arn>`,
      ]);
      expect(permissionsOf(template, lid(stack, worker.role))).toEqual(expected);
      expectResource(template, 'AWS::IAM::Role', lid(stack, worker.role), {
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
          },
          ManagedPolicyArns: Match.absent(),
        },
      });
    },
  );

  it('no IAM statement has a wildcard action or grants Scan', () => {
    for (const s of allStatements(template)) {
      for (const action of [s.Action].flat()) {
        expect(action).not.toContain('*');
        expect(action).not.toBe('dynamodb:Scan');
      }
    }
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('results table', () => {
  it('is keyed by id, on demand, TTL, PITR, encrypted, retained with deletion protection', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TableName: plan.table.tableName,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: plan.table.ttlAttribute, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('alarms on throttling of the table (writes and reads) and of every index, to the topic', () => {
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    const topicRef = { Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] };
    for (const MetricName of ['WriteThrottleEvents', 'ReadThrottleEvents']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/DynamoDB',
        MetricName,
        Dimensions: [{ Name: 'TableName', Value: { Ref: tableId } }],
        Statistic: 'Sum',
        Threshold: 0,
        AlarmActions: [topicRef],
      });
    }
    for (const ix of plan.table.indexes) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/DynamoDB',
        MetricName: 'WriteThrottleEvents',
        Dimensions: Match.arrayWith([{ Name: 'GlobalSecondaryIndexName', Value: ix.name }]),
        Threshold: 0,
      });
    }
  });

  it('byRoot is sorted by enqueue time (a key that does not move on state changes); every index projects the summary rows', () => {
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    const gsis = table!.Properties.GlobalSecondaryIndexes as {
      IndexName: string;
      KeySchema: { AttributeName: string }[];
      Projection: { NonKeyAttributes: string[] };
    }[];
    expect(gsis.find((g) => g.IndexName === 'byRoot')!.KeySchema[1]!.AttributeName).toBe('gsEnq');
    for (const g of gsis)
      expect(g.Projection.NonKeyAttributes).toEqual(expect.arrayContaining(['kind', 'entries']));
  });

  it('has the plan indexes, string keys, INCLUDE projection of the list attributes', () => {
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
    const gsis = table!.Properties.GlobalSecondaryIndexes as {
      IndexName: string;
      KeySchema: unknown;
      Projection: unknown;
    }[];
    expect(gsis.map((g) => g.IndexName).sort()).toEqual(plan.table.indexes.map((i) => i.name).sort());
    for (const ix of plan.table.indexes) {
      const gsi = gsis.find((g) => g.IndexName === ix.name)!;
      expect(gsi.KeySchema).toEqual([
        { AttributeName: ix.partitionKey, KeyType: 'HASH' },
        { AttributeName: ix.sortKey, KeyType: 'RANGE' },
      ]);
      expect(gsi.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: [...ix.projected] });
    }
    const attributes = table!.Properties.AttributeDefinitions as {
      AttributeName: string;
      AttributeType: string;
    }[];
    for (const a of attributes) expect(a.AttributeType).toBe('S');
  });

  it('removalPolicy destroy deletes the table (no deletion protection), log groups and schedule group', () => {
    const s = buildStack({ removalPolicy: RemovalPolicy.DESTROY });
    const t = Template.fromStack(s);
    expectResource(t, 'AWS::Scheduler::ScheduleGroup', lid(s, s.runtime.scheduler.group), {
      DeletionPolicy: 'Delete',
    });
    expectResource(t, 'AWS::DynamoDB::Table', lid(s, s.runtime.results.table), {
      Properties: { DeletionProtectionEnabled: false },
      DeletionPolicy: 'Delete',
    });
    const logGroups = [
      ...[...s.runtime.workers.values()].map((w) => lid(s, w.logGroup)),
      lid(s, s.runtime.api!.logGroup),
    ];
    // Those are all the log groups there are, and each is deleted with the stack.
    expect(Object.keys(t.findResources('AWS::Logs::LogGroup')).sort()).toEqual([...logGroups].sort());
    for (const id of logGroups) expectResource(t, 'AWS::Logs::LogGroup', id, { DeletionPolicy: 'Delete' });
  });
});

describe('scheduler', () => {
  it('has a schedule group named from the plan prefix', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'celeriac-schedules' });
  });

  it('its role is assumable by Scheduler of this account only, and may only send to the queues and its DLQ', () => {
    const roleId = lid(stack, rt.scheduler.role);
    expectResource(template, 'AWS::IAM::Role', roleId, {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            }),
          ],
        },
      },
    });
    expect(permissionsOf(template, roleId)).toEqual(
      new Set([
        ...queueIds.map((id) => `sqs:SendMessage <${id}.Arn>`),
        `sqs:SendMessage <${lid(stack, rt.scheduler.deadLetterQueue)}.Arn>`,
      ]),
    );
  });

  it('its DLQ is encrypted, keeps messages 14 days and takes 1 MiB messages', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
      MaximumMessageSize: 1_048_576,
      QueueName: Match.absent(),
    });
  });
});

describe('alarms and dashboard', () => {
  const topicRef = { Ref: lid(stack, rt.alarms.topic) };

  it('the topic is KMS-encrypted with a rotating key CloudWatch may use, and TLS-only', () => {
    expectResource(template, 'AWS::SNS::Topic', lid(stack, rt.alarms.topic), {
      Properties: { KmsMasterKeyId: { 'Fn::GetAtt': [lid(stack, rt.alarms.key), 'Arn'] } },
    });
    expectResource(template, 'AWS::KMS::Key', lid(stack, rt.alarms.key), {
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarmEmail subscribes that address; without it there is no subscription', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    Template.fromStack(buildStack()).resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it.each(plan.queues)('queue $name: DLQ not empty and oldest-message-age alarms notify the topic', (q) => {
    const wq = rt.queue(q.name);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [lid(stack, wq.deadLetterQueue), 'QueueName'] } },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topicRef],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [lid(stack, wq.queue), 'QueueName'] } }],
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topicRef],
    });
  });

  it.each(plan.queues)('worker $name: Errors and Throttles alarms notify the topic', (q) => {
    const fn = { Ref: lid(stack, rt.workers.get(q.name)!.function) };
    for (const metric of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: fn }],
        Threshold: 0,
        AlarmActions: [topicRef],
      });
    }
  });

  it('the scheduler DLQ and the results API are alarmed too, and the age threshold is a prop', () => {
    // Per queue 4, the scheduler DLQ, the API, and the results table (writes, reads, each index).
    template.resourceCountIs(
      'AWS::CloudWatch::Alarm',
      plan.queues.length * 4 + 2 + 2 + plan.table.indexes.length,
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: lid(stack, rt.api!.function) } }],
      Threshold: 0,
      AlarmActions: [topicRef],
    });
    const s = buildStack({ oldestMessageAgeThreshold: Duration.minutes(2) });
    const t = Template.fromStack(s);
    // Each queue's age alarm takes the threshold, not just one of them.
    for (const q of plan.queues) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [lid(s, s.runtime.queue(q.name).queue), 'QueueName'] },
          },
        ],
        Threshold: 120,
      });
    }
  });

  it('one dashboard shows depth, age, DLQ and worker invocations, errors, duration, throttles', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dash] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = flat(dash!.Properties.DashboardBody);
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateAgeOfOldestMessage',
      'Invocations',
      'Errors',
      'Duration',
      'Throttles',
    ]) {
      expect(body).toContain(`"${metric}"`);
    }
    for (const q of plan.queues) expect(body).toContain(`Queue \`${q.name}\``);
  });
});

describe('names and outputs', () => {
  it('outputs every queue and DLQ URL, table, scheduler group, role, DLQ and the client config', () => {
    for (const q of plan.queues) {
      const pascal = q.name[0]!.toUpperCase() + q.name.slice(1);
      template.hasOutput(`Queue${pascal}Url`, { Value: { Ref: lid(stack, rt.queue(q.name).queue) } });
      template.hasOutput(`Queue${pascal}DlqUrl`, {
        Value: { Ref: lid(stack, rt.queue(q.name).deadLetterQueue) },
      });
    }
    template.hasOutput('ResultsTableName', { Value: { Ref: tableId } });
    template.hasOutput('SchedulerGroupName', { Value: 'celeriac-schedules' });
    template.hasOutput('SchedulerRoleArn', {
      Value: { 'Fn::GetAtt': [lid(stack, rt.scheduler.role), 'Arn'] },
    });
    template.hasOutput('SchedulerDlqArn', Match.anyValue());
    const outputs = template.findOutputs('CeleriacConfig');
    expect(outputs.CeleriacConfig!.Value).toEqual(configOf(workerIds[0]!));
  });

  it('usePlanNames false lets CloudFormation name queues, table and schedule group', () => {
    const t = Template.fromStack(buildStack({ usePlanNames: false }));
    for (const q of Object.values(t.findResources('AWS::SQS::Queue')))
      expect(q.Properties.QueueName).toBeUndefined();
    t.hasResourceProperties('AWS::DynamoDB::Table', { TableName: Match.absent() });
    t.hasResourceProperties('AWS::Scheduler::ScheduleGroup', {
      Name: Match.stringLikeRegexp('^Celeriac-Tasks-Scheduler-'),
    });
  });

  it('tracing is off by default and a prop turns it on', () => {
    // Every function: each worker and the results API.
    template.resourceCountIs('AWS::Lambda::Function', plan.queues.length + 1);
    template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: Match.absent() });
    const t = Template.fromStack(buildStack({ tracing: lambda.Tracing.ACTIVE }));
    t.resourceCountIs('AWS::Lambda::Function', plan.queues.length + 1);
    t.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });
});
