import { randomUUID } from 'node:crypto';
import type { LambdaContextLike, SqsEvent, SqsRecord } from '../../runtime/internal.js';

/** What {@link sqsRecord} lets a test set. */
export interface SqsRecordOverrides {
  readonly messageId?: string;
  /** Delivery count (the attempt number). @default 1 */
  readonly receiveCount?: number;
  /** The queue's ARN. @default a queue named `app-default` */
  readonly queueArn?: string;
}

/**
 * One SQS record as Lambda delivers it, for unit tests of a worker handler (in the style of
 * Powertools' `sqsRecordFactory`).
 *
 * @example
 * ```ts
 * const record = sqsRecord(JSON.stringify(envelope), { receiveCount: 2 });
 * const response = await handler(sqsEvent(record), lambdaContext());
 * ```
 */
export function sqsRecord(body: string, overrides: SqsRecordOverrides = {}): SqsRecord {
  const now = String(Date.now());
  return {
    messageId: overrides.messageId ?? randomUUID(),
    receiptHandle: `rh-${randomUUID()}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(overrides.receiveCount ?? 1),
      SentTimestamp: now,
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    eventSource: 'aws:sqs',
    eventSourceARN: overrides.queueArn ?? 'arn:aws:sqs:us-east-1:000000000000:app-default',
    awsRegion: 'us-east-1',
  };
}

/**
 * An SQS event of the given records.
 *
 * @example
 * ```ts
 * await handler(sqsEvent(sqsRecord(body)), lambdaContext());
 * ```
 */
export function sqsEvent(...records: SqsRecord[]): SqsEvent {
  return { Records: records };
}

/**
 * A Lambda context whose remaining time counts down from `timeoutMs`.
 *
 * @example
 * ```ts
 * const context = lambdaContext({ timeoutMs: 30_000 });
 * ```
 */
export function lambdaContext(options: { timeoutMs?: number; requestId?: string } = {}): LambdaContextLike {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  return {
    awsRequestId: options.requestId ?? randomUUID(),
    functionName: 'celeriac-test-worker',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
