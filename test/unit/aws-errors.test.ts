import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../infra/api/errors.js';
import { isThrottle, isTransientAwsError } from '../../runtime/aws-errors.js';
import { CeleriacError, ErrorCode } from '../../runtime/errors.js';
import {
  CLIENT_TOKEN_PATTERN,
  clientTokenFor,
  partitionOf,
  queueArn,
  scheduleNameFor,
} from '../../runtime/schedules/one-time.js';

/** An SDK-shaped service error. */
function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from AWS`), { name, $metadata: { httpStatusCode: status } });
}

describe('isTransientAwsError', () => {
  it.each([
    ['ThrottlingException', 400],
    ['RequestThrottled', 403],
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 429],
    ['InternalServerException', 500],
    ['ServiceUnavailable', 503],
  ])('%s (%i) is transient', (name, status) => {
    expect(isTransientAwsError(sdkError(name, status))).toBe(true);
  });

  it('a reset or refused connection is transient; validation, access and not-found are not', () => {
    expect(isTransientAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    expect(isTransientAwsError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientAwsError(sdkError('ValidationException', 400))).toBe(false);
    expect(isTransientAwsError(sdkError('AccessDeniedException', 403))).toBe(false);
    expect(isTransientAwsError(sdkError('ResourceNotFoundException', 404))).toBe(false);
    expect(isTransientAwsError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientAwsError('ThrottlingException')).toBe(false);
  });

  it('looks through a library error to its cause', () => {
    const wrapped = new CeleriacError(ErrorCode.SCHEDULE_FAILED, 'not scheduled', {
      cause: sdkError('ThrottlingException', 429),
    });
    expect(isTransientAwsError(wrapped)).toBe(true);
    expect(isThrottle(sdkError('RequestThrottled', 403))).toBe(true);
    expect(isThrottle(sdkError('InternalServerException', 500))).toBe(false);
  });
});

describe('Scheduler request fields', () => {
  it('a ClientToken is 1-64 of [a-zA-Z0-9-_] even when the schedule name holds a dot', () => {
    const name = scheduleNameFor('order.42.step-3');
    expect(name).toBe('t-order.42.step-3');
    const token = clientTokenFor(name);
    expect(token).toMatch(CLIENT_TOKEN_PATTERN);
    expect(token).not.toContain('.');
    expect(clientTokenFor(name)).toBe(token);
    expect(clientTokenFor('t-order.43.step-3')).not.toBe(token);
  });

  it('names too long or with characters Scheduler refuses are hashed into a valid name', () => {
    const name = scheduleNameFor(`${'x'.repeat(70)}/é`);
    expect(name).toMatch(/^[0-9a-zA-Z_.-]{1,64}$/);
  });

  it('the partition comes from the region', () => {
    expect(partitionOf('us-east-1')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('cn-northwest-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('us-iso-east-1')).toBe('aws-iso');
    expect(partitionOf('us-isob-east-1')).toBe('aws-iso-b');
    expect(partitionOf('eu-isoe-west-1')).toBe('aws-iso-e');
  });

  it('a queue ARN derived from its URL uses the region partition', () => {
    const config = {
      region: 'cn-north-1',
      table: 't',
      queues: {
        default: {
          url: 'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/app-default',
          dlqUrl: 'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/app-default-dlq',
        },
      },
    };
    expect(queueArn(config, 'default')).toBe('arn:aws-cn:sqs:cn-north-1:123456789012:app-default');
  });
});

describe('the results API maps transient AWS failures to 503', () => {
  it('SCHEDULE_FAILED caused by a throttle is 503, by a validation error 400', () => {
    const throttled = new CeleriacError(ErrorCode.SCHEDULE_FAILED, 'not scheduled', {
      cause: sdkError('ThrottlingException', 429),
    });
    const refused = new CeleriacError(ErrorCode.SCHEDULE_FAILED, 'not scheduled', {
      cause: sdkError('ValidationException', 400),
    });
    expect(toErrorResponse(throttled).status).toBe(503);
    expect(toErrorResponse(throttled).body.error.code).toBe('SCHEDULE_FAILED');
    expect(toErrorResponse(refused).status).toBe(400);
  });

  it('a bare SDK throttle or 5xx is 503 UNAVAILABLE; other SDK errors stay 500', () => {
    const out = toErrorResponse(sdkError('ProvisionedThroughputExceededException', 400));
    expect(out).toEqual({
      status: 503,
      body: {
        error: {
          code: 'UNAVAILABLE',
          message: 'ProvisionedThroughputExceededException: AWS is busy or failing; try again',
        },
      },
    });
    expect(toErrorResponse(sdkError('InternalServerError', 500)).status).toBe(503);
    expect(toErrorResponse(sdkError('SerializationException', 400)).status).toBe(500);
  });
});
