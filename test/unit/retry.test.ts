import { describe, expect, it } from 'vitest';
import { isNonRetriable, isRetry, NonRetriable, Retry } from '../../runtime/control.js';
import { backoffDelayMs, normalizeRetry } from '../../runtime/retry.js';

describe('normalizeRetry', () => {
  it('defaults to 3 attempts, exponential from 1 s capped at 10 min, full jitter', () => {
    const p = normalizeRetry(undefined, 't');
    expect(p).toMatchObject({
      maxAttempts: 3,
      type: 'exponential',
      baseMs: 1_000,
      capMs: 600_000,
      jitter: 'full',
    });
    expect(p.retryOn(new Error('x'))).toBe(true);
  });

  it('takes a plain duration as a fixed delay without jitter', () => {
    expect(normalizeRetry({ backoff: '30s' }, 't')).toMatchObject({
      type: 'fixed',
      baseMs: 30_000,
      jitter: 'none',
    });
  });

  it('retries only listed error names when retryOn is a list', () => {
    const p = normalizeRetry({ retryOn: ['TimeoutError'] }, 't');
    const timeout = Object.assign(new Error('t'), { name: 'TimeoutError' });
    expect(p.retryOn(timeout)).toBe(true);
    expect(p.retryOn(new TypeError('x'))).toBe(false);
  });

  it.each([
    [{ maxAttempts: 0 }, /maxAttempts: got 0; allowed: an integer from 1 to 100/],
    [{ maxAttempts: 1.5 }, /maxAttempts/],
    [{ backoff: { type: 'linear' } }, /backoff.type: got "linear"/],
    [{ backoff: { type: 'exponential', jitter: 'some' } }, /jitter: got "some"/],
    [{ backoff: { type: 'exponential', cap: '13h' } }, /at most 12h/],
    [{ backoff: { type: 'exponential', base: '10m', cap: '1m' } }, /at most the cap/],
    [{ retryOn: 'Error' }, /retryOn/],
  ])('rejects %j with a clear message', (options, message) => {
    expect(() => normalizeRetry(options as never, 'task "t"')).toThrow(message);
  });
});

describe('backoffDelayMs', () => {
  const exp = normalizeRetry(
    { backoff: { type: 'exponential', base: '1s', cap: '5s', jitter: 'none' } },
    't',
  );
  it('doubles per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelayMs(exp, a))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });
  it('applies full and equal jitter within their bounds', () => {
    const full = normalizeRetry({ backoff: { type: 'exponential', base: '1s', jitter: 'full' } }, 't');
    const equal = normalizeRetry({ backoff: { type: 'exponential', base: '1s', jitter: 'equal' } }, 't');
    expect(backoffDelayMs(full, 2, () => 0)).toBe(0);
    expect(backoffDelayMs(full, 2, () => 0.5)).toBe(1_000);
    expect(backoffDelayMs(equal, 2, () => 0)).toBe(1_000);
    expect(backoffDelayMs(equal, 2, () => 0.999)).toBeLessThanOrEqual(2_000);
  });
});

describe('control-flow errors', () => {
  it('Retry carries its delay and is recognised across copies by name', () => {
    const r = new Retry('2m');
    expect(r.afterMs).toBe(120_000);
    expect(isRetry(r)).toBe(true);
    const foreign = Object.assign(new Error('x'), { name: 'Retry', afterMs: 5 });
    expect(isRetry(foreign)).toBe(true);
    expect(isRetry(new Error('x'))).toBe(false);
  });
  it('NonRetriable is recognised by class or name', () => {
    expect(isNonRetriable(new NonRetriable('x'))).toBe(true);
    expect(isNonRetriable(Object.assign(new Error('x'), { name: 'NonRetriable' }))).toBe(true);
  });
  it('Retry rejects a bad delay', () => {
    expect(() => new Retry('soon' as never)).toThrow(/Retry\(after\)/);
  });
});
