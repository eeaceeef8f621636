import { type App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { TaskRuntimeProps } from '../../infra/cdk/props.js';
import { buildStack } from './fixtures.js';
import { expectCleanNagReport } from './helpers.js';

interface Ack {
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgment recorded in the tree, with the path it was made on. */
function acknowledgments(root: IConstruct): (Ack & { path: string })[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ id, reason, path: c.node.path })),
  );
}

/** The stack as deployed, plus a producer with both grants, checked by both packs. */
function synthWithNag(props: Partial<TaskRuntimeProps>) {
  const stack = buildStack(props);
  const producer = new iam.Role(stack, 'Producer', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  stack.runtime.grantEnqueue(producer);
  stack.runtime.grantReadResults(producer);
  const app = stack.node.root as App;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  const assembly = app.synth(); // throws ValidationFailed listing every unacknowledged finding
  return { app, assembly };
}

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  const configurations: [string, Partial<TaskRuntimeProps>][] = [
    ['defaults', {}],
    [
      'tracing on, alarm email, generated names, destroy',
      {
        tracing: lambda.Tracing.ACTIVE,
        alarmEmail: 'ops@example.com',
        usePlanNames: false,
        removalPolicy: RemovalPolicy.DESTROY,
      },
    ],
  ];

  it.each(configurations)('%s: no unacknowledged finding, error or warning', (_, props) => {
    const { assembly } = synthWithNag(props);
    expectCleanNagReport(assembly);
  });

  it('an unacknowledged finding fails synth (the packs really run)', () => {
    const stack = buildStack();
    new sqs.Queue(stack, 'Stray', { enforceSSL: true });
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3[\s\S]*Celeriac\/Stray/);
  });

  it('every acknowledgment carries its own specific reason', () => {
    const { app } = synthWithNag({ tracing: lambda.Tracing.ACTIVE, alarmEmail: 'ops@example.com' });
    const acks = acknowledgments(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^(AwsSolutions|Serverless)::/);
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThan(80);
    }
    // One reason per rule: no copy-pasted blanket text.
    const reasons = new Map<string, string>();
    for (const ack of acks) {
      const rule = ack.id.replace(/\[.*$/, '');
      expect(reasons.get(ack.reason) ?? rule, ack.reason).toBe(rule);
      reasons.set(ack.reason, rule);
    }
    const rules = new Set(acks.map((a) => a.id.replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual(
      [
        'AwsSolutions::AwsSolutions-IAM5',
        'AwsSolutions::AwsSolutions-SQS3',
        'Serverless::Serverless-LambdaDLQ',
        'Serverless::Serverless-LambdaEventSourceMappingDestination',
        'Serverless::Serverless-SNSRedrivePolicy',
        'Serverless::Serverless-SQSRedrivePolicy',
      ].sort(),
    );
  });
});
