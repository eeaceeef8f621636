import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueuePlan } from '../../runtime/plan.js';
import { createCeleriacFunction, type FunctionCode } from './function.js';
import { acknowledge, NagReasons } from './nag.js';

/** How the worker code is built. */
export type WorkerCodeProps = FunctionCode;

/** Properties of a {@link Worker}. */
export interface WorkerProps {
  /** The queue's part of the plan: memory, timeout, concurrency, batching. */
  readonly plan: QueuePlan;
  /** The queue this worker consumes. */
  readonly queue: sqs.IQueue;
  readonly code: WorkerCodeProps;
  /** Environment variables (`CELERIAC_CONFIG`). */
  readonly environment: Readonly<Record<string, string>>;
  readonly runtime: lambda.Runtime;
  readonly tracing: lambda.Tracing;
  readonly logRetention: logs.RetentionDays;
  /**
   * Set the function's reserved concurrency to the plan's `reservedConcurrency`. `false` sets
   * none: the event source mapping's maximum concurrency is then the only cap (for accounts
   * whose Lambda quota leaves no room to reserve).
   * @default true
   */
  readonly reserveConcurrency?: boolean;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** SQS actions the event source mapping needs on the consumed queue. */
export const CONSUME_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
] as const;

/**
 * The worker Lambda of one queue: arm64, JSON logs into a log group with retention, the plan's
 * memory, timeout and reserved concurrency (unless `reserveConcurrency` is false), source maps
 * enabled (`NODE_OPTIONS=--enable-source-maps`), an execution role without managed policies, and
 * its SQS event source mapping (batch size, batching window, maximum concurrency,
 * ReportBatchItemFailures). Other permissions are granted by the {@link TaskRuntime}.
 *
 * @example
 * ```ts
 * const worker = new Worker(this, 'HighWorker', { plan, queue, code, environment, ... });
 * worker.function.metricErrors();
 * ```
 */
export class Worker extends Construct {
  /** The function (child id `Resource`). */
  readonly function: lambda.Function;
  /** Its execution role. */
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly eventSourceMapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id);
    const { plan } = props;
    const parts = createCeleriacFunction(this, {
      description: `Celeriac worker: drains queue ${plan.queueName}`,
      roleDescription: `Celeriac worker of queue ${plan.name}`,
      memorySize: plan.memoryMb,
      timeout: Duration.seconds(plan.workerTimeoutSeconds),
      reservedConcurrentExecutions: (props.reserveConcurrency ?? true) ? plan.reservedConcurrency : undefined,
      environment: props.environment,
      code: props.code,
      runtime: props.runtime,
      tracing: props.tracing,
      logRetention: props.logRetention,
      ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
      reasons: {
        lambdaDlq: NagReasons['Serverless::Serverless-LambdaDLQ'],
        tracingOff: NagReasons['Serverless::Serverless-LambdaTracing'],
      },
    });
    this.function = parts.function;
    this.role = parts.role;
    this.logGroup = parts.logGroup;
    const consume = props.queue.grant(this.role, ...CONSUME_ACTIONS);
    this.eventSourceMapping = new lambda.EventSourceMapping(this, 'EventSource', {
      target: this.function,
      eventSourceArn: props.queue.queueArn,
      batchSize: plan.batchSize,
      maxBatchingWindow:
        plan.batchingWindowSeconds > 0 ? Duration.seconds(plan.batchingWindowSeconds) : undefined,
      maxConcurrency: plan.maxConcurrency,
      reportBatchItemFailures: true,
    });
    // Lambda checks the role can read the queue when the mapping is created.
    consume.applyBefore(this.eventSourceMapping);
    acknowledge(this.eventSourceMapping, 'Serverless::Serverless-LambdaEventSourceMappingDestination');
  }
}
