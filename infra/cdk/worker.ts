import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueuePlan } from '../../runtime/plan.js';
import { leanBundling } from './bundling.js';
import { acknowledge } from './nag.js';

/** How the worker code is built. */
export interface WorkerCodeProps {
  /** Prebuilt code; when set, no bundling happens. */
  readonly code?: lambda.Code;
  /** Entry module to bundle when `code` is not set. */
  readonly entry: string;
  /** Exported handler. */
  readonly handler: string;
  readonly projectRoot: string;
  readonly depsLockFilePath: string;
}

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
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Celeriac worker of queue ${plan.name}`,
    });
    // Instead of the AWSLambdaBasicExecutionRole managed policy: write to its own log group only.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    const common: lambda.FunctionOptions = {
      description: `Celeriac worker: drains queue ${plan.queueName}`,
      architecture: lambda.Architecture.ARM_64,
      memorySize: plan.memoryMb,
      timeout: Duration.seconds(plan.workerTimeoutSeconds),
      reservedConcurrentExecutions: (props.reserveConcurrency ?? true) ? plan.reservedConcurrency : undefined,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: props.tracing,
      // Stack traces in results and logs point at the TypeScript source (the bundle ships its map).
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    };
    const { code } = props;
    this.function = code.code
      ? new lambda.Function(this, 'Resource', {
          ...common,
          runtime: props.runtime,
          code: code.code,
          handler: `index.${code.handler}`,
        })
      : new nodejs.NodejsFunction(this, 'Resource', {
          ...common,
          runtime: props.runtime,
          entry: code.entry,
          handler: code.handler,
          projectRoot: code.projectRoot,
          depsLockFilePath: code.depsLockFilePath,
          bundling: leanBundling(),
        });
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
    acknowledge(this.function, 'Serverless::Serverless-LambdaDLQ');
    acknowledge(this.eventSourceMapping, 'Serverless::Serverless-LambdaEventSourceMappingDestination');
    if (props.tracing === lambda.Tracing.ACTIVE || props.tracing === lambda.Tracing.PASS_THROUGH) {
      acknowledge(this.role, 'AwsSolutions::AwsSolutions-IAM5[Resource::*]');
    } else {
      acknowledge(this.function, 'Serverless::Serverless-LambdaTracing');
    }
  }
}
