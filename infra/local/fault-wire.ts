import type { FaultKind, FaultTarget } from './fault-types.js';

/** An error answer as the service would send it. */
export interface FaultAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, string>>;
}

type WireError = { status: number; type: string; message: string; queryError?: string };

/**
 * The errors each service answers, per fault, as its API model defines them. SQS speaks
 * AWS JSON 1.0 with the query-compatible `x-amzn-query-error` header; DynamoDB AWS JSON 1.0;
 * Scheduler REST-JSON with `x-amzn-errortype`. Where a service has two throttling errors, both
 * are sent, chosen at random.
 */
const WIRE: Record<FaultTarget, Record<'throttle' | 'serverError', readonly WireError[]>> = {
  sqs: {
    throttle: [
      {
        status: 403,
        type: 'com.amazonaws.sqs#RequestThrottled',
        queryError: 'RequestThrottled;Sender',
        message: 'Request is throttled.',
      },
      {
        status: 400,
        type: 'com.amazon.coral.availability#ThrottlingException',
        queryError: 'ThrottlingException;Sender',
        message: 'Rate exceeded',
      },
    ],
    serverError: [
      {
        status: 500,
        type: 'com.amazon.coral.service#InternalFailure',
        queryError: 'InternalFailure;Receiver',
        message: 'The request processing has failed because of an unknown error.',
      },
      {
        status: 503,
        type: 'com.amazon.coral.availability#ServiceUnavailable',
        queryError: 'ServiceUnavailable;Receiver',
        message: 'Service is unavailable.',
      },
    ],
  },
  dynamodb: {
    throttle: [
      {
        status: 400,
        type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message:
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      },
      {
        status: 400,
        type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
        message: 'Throughput exceeds the current capacity of your table or index.',
      },
    ],
    serverError: [
      {
        status: 500,
        type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: 'Internal server error',
      },
      {
        status: 503,
        type: 'com.amazon.coral.availability#ServiceUnavailableException',
        message: 'Service unavailable',
      },
    ],
  },
  scheduler: {
    throttle: [{ status: 429, type: 'ThrottlingException', message: 'Rate exceeded' }],
    serverError: [
      {
        status: 500,
        type: 'InternalServerException',
        message: 'Unexpected error occurred while processing the request.',
      },
    ],
  },
};

/**
 * The answer to send for an HTTP-level fault (throttle or 5xx) of a target.
 *
 * @example
 * ```ts
 * faultAnswer('dynamodb', 'throttle', Math.random).status; // 400
 * ```
 */
export function faultAnswer(
  target: FaultTarget,
  kind: Extract<FaultKind, 'throttle' | 'serverError'> | FaultKind,
  random: () => number,
): FaultAnswer {
  const choices = WIRE[target][kind === 'throttle' ? 'throttle' : 'serverError'];
  const e = choices[Math.min(choices.length - 1, Math.floor(random() * choices.length))]!;
  if (target === 'scheduler') {
    return {
      status: e.status,
      contentType: 'application/json',
      headers: { 'x-amzn-errortype': e.type },
      body: { Message: e.message },
    };
  }
  return {
    status: e.status,
    contentType: 'application/x-amz-json-1.0',
    headers: e.queryError ? { 'x-amzn-query-error': e.queryError } : {},
    body: { __type: e.type, message: e.message },
  };
}
