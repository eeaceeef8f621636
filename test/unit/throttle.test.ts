import { describe, expect, it } from 'vitest';
import { isThrottle, withThrottleRetry } from '../../runtime/results/throttle.js';

const named = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });

describe('throttled DynamoDB calls', () => {
  it('recognises throttles, including a transaction cancelled only by throttling', () => {
    expect(isThrottle(named('ProvisionedThroughputExceededException'))).toBe(true);
    expect(isThrottle(named('ThrottlingException'))).toBe(true);
    expect(
      isThrottle(
        named('TransactionCanceledException', {
          CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
        }),
      ),
    ).toBe(true);
    expect(
      isThrottle(
        named('TransactionCanceledException', {
          CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ThrottlingError' }],
        }),
      ),
    ).toBe(false);
    expect(isThrottle(named('ConditionalCheckFailedException'))).toBe(false);
    expect(isThrottle('ThrottlingException')).toBe(false);
  });

  it('retries a throttled call until it succeeds, inside the same invocation', async () => {
    let calls = 0;
    const out = await withThrottleRetry(
      async () => {
        calls++;
        if (calls < 4) throw named('ProvisionedThroughputExceededException');
        return 'ok';
      },
      { baseMs: 1, random: () => 1 },
    );
    expect(out).toBe('ok');
    expect(calls).toBe(4);
  });

  it('rethrows other errors at once, and a throttle after the last attempt or past the deadline', async () => {
    let calls = 0;
    const other = named('ValidationException');
    await expect(
      withThrottleRetry(async () => {
        calls++;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withThrottleRetry(
        async () => {
          calls++;
          throw named('ThrottlingException');
        },
        { attempts: 3, baseMs: 1 },
      ),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withThrottleRetry(
        async () => {
          calls++;
          throw named('ThrottlingException');
        },
        { baseMs: 100, random: () => 1, now: () => 1_000, deadline: 1_050 },
      ),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(calls).toBe(1);
  });
});
