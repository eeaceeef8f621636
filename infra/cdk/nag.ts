import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag findings this construct library acknowledges, each with its reason in one place.
 * Acknowledgments use CDK's native `Validations.of(scope).acknowledge()` (cdk-nag v3), so the
 * library itself does not depend on cdk-nag.
 */
export const NagReasons = {
  'Serverless::Serverless-SQSRedrivePolicy':
    'This queue is a dead-letter queue: messages end here to be inspected and redriven, and an alarm fires when it is not empty. A redrive policy on it would move dead letters out of sight.',
  'AwsSolutions::AwsSolutions-SQS3':
    "This queue is EventBridge Scheduler's dead-letter queue (the schedules' Target.DeadLetterConfig), which cdk-nag does not recognise as DLQ use. It is alarmed when not empty.",
  'Serverless::Serverless-LambdaDLQ':
    "The worker is only invoked synchronously by its SQS event source mapping; a function DeadLetterConfig applies to asynchronous invokes only. Failed messages reach the source queue's DLQ through its redrive policy (maxReceiveCount) or the worker's own dead-letter copy.",
  'Serverless::Serverless-LambdaEventSourceMappingDestination':
    "On-failure destinations exist for stream and Kafka event sources only, not SQS. SQS failures are reported per item (ReportBatchItemFailures) and dead-lettered by the queue's redrive policy.",
  'Serverless::Serverless-LambdaTracing':
    'X-Ray is opt-in (TaskRuntime prop `tracing`): it bills per trace and needs xray:Put* on "*". Workers log structured JSON with the request id and task id instead.',
  'Serverless::Serverless-SNSRedrivePolicy':
    'The email subscription of the alarm topic: an undelivered alarm mail is not work to replay, and the alarm state stays visible in CloudWatch and on the dashboard.',
  'AwsSolutions::AwsSolutions-IAM5[Resource::*]':
    'X-Ray tracing (enabled with the `tracing` prop): xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
  scheduleArn:
    'Delayed tasks each get a one-time schedule whose name is chosen at enqueue time, so CreateSchedule/DeleteSchedule are scoped to every schedule of the runtime group only (schedule/<group>/*), never to other groups.',
} as const;

/** A rule acknowledged with its fixed reason. */
export type NagRuleId = Exclude<keyof typeof NagReasons, 'scheduleArn'>;

/**
 * Acknowledge a cdk-nag finding on `scope` and everything below it, with its reason.
 *
 * @example
 * ```ts
 * acknowledge(dlq, 'Serverless::Serverless-SQSRedrivePolicy');
 * ```
 */
export function acknowledge(scope: IConstruct, rule: NagRuleId): void {
  Validations.of(scope).acknowledge({ id: rule, reason: NagReasons[rule] });
}

/** Flatten a resolved CloudFormation value the way cdk-nag names findings (`<Ref>`, `<Res.Attr>`). */
function flatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flatten(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o.Ref !== undefined) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * Acknowledge the IAM wildcard finding for one resource ARN pattern granted to `principal`.
 *
 * @example
 * ```ts
 * acknowledgeWildcardResource(role, scheduleArnPattern, NagReasons.scheduleArn);
 * ```
 */
export function acknowledgeWildcardResource(principal: IConstruct, arn: string, reason: string): void {
  const resource = flatten(Stack.of(principal).resolve(arn));
  Validations.of(principal).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
    reason,
  });
}
