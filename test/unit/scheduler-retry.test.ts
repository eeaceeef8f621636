import { describe, expect, it } from 'vitest';
import { retryDecision } from '../../infra/local/scheduler/delivery.js';

const firing = Date.parse('2026-12-01T09:00:00Z');
const schedule = (
  failures: number,
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number },
) => ({
  failures,
  nextAt: firing,
  Target: {
    Arn: 'arn:aws:sqs:us-east-1:000000000000:q',
    RoleArn: 'r',
    ...(RetryPolicy ? { RetryPolicy } : {}),
  },
});
const backoff = { baseMs: 1_000, capMs: 60_000 };
const full = () => 1;
const half = () => 0;

describe('local Scheduler retry decision', () => {
  it('backs off exponentially from the base, capped, with jitter between half and all of it', () => {
    expect(retryDecision(schedule(1), true, firing, backoff, full)).toEqual({ retryAt: firing + 1_000 });
    expect(retryDecision(schedule(2), true, firing, backoff, full)).toEqual({ retryAt: firing + 2_000 });
    expect(retryDecision(schedule(4), true, firing, backoff, full)).toEqual({ retryAt: firing + 8_000 });
    expect(retryDecision(schedule(10), true, firing, backoff, full)).toEqual({ retryAt: firing + 60_000 });
    expect(retryDecision(schedule(4), true, firing, backoff, half)).toEqual({ retryAt: firing + 4_000 });
  });

  it('gives up at once on a non-retryable error', () => {
    expect(retryDecision(schedule(1), false, firing, backoff, full)).toEqual({
      condition: 'NonRetryableError',
    });
  });

  it('gives up when the retries exceed MaximumRetryAttempts (0 means no retry), 185 by default', () => {
    expect(retryDecision(schedule(1, { MaximumRetryAttempts: 0 }), true, firing, backoff, full)).toEqual({
      condition: 'MaximumRetryAttempts',
    });
    expect(
      retryDecision(schedule(3, { MaximumRetryAttempts: 3 }), true, firing, backoff, full),
    ).toHaveProperty('retryAt');
    expect(retryDecision(schedule(4, { MaximumRetryAttempts: 3 }), true, firing, backoff, full)).toEqual({
      condition: 'MaximumRetryAttempts',
    });
    expect(retryDecision(schedule(185), true, firing, { baseMs: 1, capMs: 1 }, full)).toHaveProperty(
      'retryAt',
    );
    expect(retryDecision(schedule(186), true, firing, { baseMs: 1, capMs: 1 }, full)).toEqual({
      condition: 'MaximumRetryAttempts',
    });
  });

  it('gives up when the next retry would come after MaximumEventAgeInSeconds from the firing time', () => {
    const policy = { MaximumEventAgeInSeconds: 60 };
    expect(retryDecision(schedule(1, policy), true, firing + 59_500, backoff, full)).toEqual({
      condition: 'MaximumEventAgeInSeconds',
    });
    expect(retryDecision(schedule(1, policy), true, firing + 59_000, backoff, full)).toEqual({
      retryAt: firing + 60_000,
    });
  });
});
