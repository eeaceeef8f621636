import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueuePlan } from '../../runtime/plan.js';
import { acknowledge } from './nag.js';

/** Properties of a {@link WorkQueue}. */
export interface WorkQueueProps {
  /** The queue's part of the plan. */
  readonly plan: QueuePlan;
  /**
   * Use the plan's physical names.
   * @default true
   */
  readonly usePlanNames?: boolean;
}

/**
 * One priority queue of the plan and its dead-letter queue: SSE-SQS, TLS only, 1 MiB
 * messages, the plan's visibility timeout and retention, and a redrive after the plan's
 * `maxReceiveCount`. The DLQ keeps messages longer than its source.
 *
 * @example
 * ```ts
 * const high = new WorkQueue(this, 'High', { plan: plan.queues[0] });
 * high.queue.queueUrl;
 * ```
 */
export class WorkQueue extends Construct {
  /** The work queue (child id `Resource`). */
  readonly queue: sqs.Queue;
  /** Its dead-letter queue (child id `Dlq`). */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const { plan } = props;
    const named = props.usePlanNames ?? true;
    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', {
      queueName: named ? plan.dlqName : undefined,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(plan.dlqRetentionSeconds),
      maxMessageSizeBytes: plan.maxMessageBytes,
    });
    this.queue = new sqs.Queue(this, 'Resource', {
      queueName: named ? plan.queueName : undefined,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(plan.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(plan.retentionSeconds),
      maxMessageSizeBytes: plan.maxMessageBytes,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: plan.maxReceiveCount },
    });
    acknowledge(this.deadLetterQueue, 'Serverless::Serverless-SQSRedrivePolicy');
  }
}
