import { describe, expect, it } from 'vitest';
import { Defaults } from '../../runtime/constants.js';
import { sdkRetryStrategy } from '../../runtime/sdk-retry.js';

describe('the runtime SDK clients retry strategy', () => {
  it('retries throttles, 5xx and transient errors with full-jitter backoff doubling from 50 ms, capped at 1 s', async () => {
    const strategy = sdkRetryStrategy(Defaults.SDK_RETRY, () => 1);
    let token = await strategy.acquireInitialRetryToken('');
    expect(token.getRetryCount()).toBe(0);
    const delays: number[] = [];
    for (const errorType of [
      'THROTTLING',
      'SERVER_ERROR',
      'TRANSIENT',
      'THROTTLING',
      'THROTTLING',
      'THROTTLING',
      'THROTTLING',
    ] as const) {
      token = await strategy.refreshRetryTokenForRetry(token, { errorType });
      delays.push(token.getRetryDelay());
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect(token.getRetryCount()).toBe(7);
    // The 8th attempt was the last.
    await expect(strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' })).rejects.toThrow();
  });

  it('gives timed-out and dropped connections 3 attempts in all, as each may have waited a request timeout', async () => {
    const strategy = sdkRetryStrategy(Defaults.SDK_RETRY, () => 0);
    let token = await strategy.acquireInitialRetryToken('');
    token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' });
    token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' });
    token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' });
    expect(token.getRetryCount()).toBe(3);
    // A third transient failure ends the call, though throttles could have gone on to 8 attempts.
    await expect(strategy.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' })).rejects.toThrow();
  });

  it('never retries a client error, and jitter stays within the cap', async () => {
    const strategy = sdkRetryStrategy(Defaults.SDK_RETRY, () => 0.5);
    const first = await strategy.acquireInitialRetryToken('');
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'CLIENT_ERROR' })).rejects.toThrow();
    const next = await strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING' });
    expect(next.getRetryDelay()).toBe(50);
  });

  it('honours a retry-after hint, up to the cap', async () => {
    const strategy = sdkRetryStrategy(
      { maxAttempts: 3, maxTransientAttempts: 3, baseMs: 50, capMs: 1_000 },
      () => 0,
    );
    const first = await strategy.acquireInitialRetryToken('');
    const soon = await strategy.refreshRetryTokenForRetry(first, {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(Date.now() + 600),
    });
    expect(soon.getRetryDelay()).toBeGreaterThan(500);
    expect(soon.getRetryDelay()).toBeLessThanOrEqual(600);
    const late = await strategy.refreshRetryTokenForRetry(first, {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(Date.now() + 60_000),
    });
    expect(late.getRetryDelay()).toBe(1_000);
  });
});
