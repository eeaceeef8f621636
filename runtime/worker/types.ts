/** One SQS record as Lambda delivers it (the fields Celeriac reads). */
export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: {
    readonly ApproximateReceiveCount: string;
    readonly SentTimestamp?: string;
    readonly ApproximateFirstReceiveTimestamp?: string;
    readonly [key: string]: string | undefined;
  };
  readonly messageAttributes?: Record<string, unknown>;
  readonly eventSource?: string;
  readonly eventSourceARN: string;
  readonly awsRegion?: string;
  readonly md5OfBody?: string;
}

/** An SQS event batch. */
export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** The parts of the Lambda context the worker uses. */
export interface LambdaContextLike {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
  readonly functionName?: string;
}

/** A partial batch response (ReportBatchItemFailures). */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** A worker Lambda handler. */
export type WorkerHandler = (event: SqsEvent, context: LambdaContextLike) => Promise<BatchResponse>;
