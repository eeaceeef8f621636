import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../runtime/envelope.js';
import { checkRecord, type Runnable } from '../../../runtime/worker/checks.js';
import { type Execution, verdict } from '../../../runtime/worker/verdicts.js';
import { envelopeFactory, expectKind, NOW } from './support/factories.js';
import { nest, oddValue, registry } from './tasks.js';

function runnable(task: string, options: { receiveCount?: number; maxAttempts?: number } = {}): Runnable {
  const out = checkRecord({
    decoded: decodeEnvelope(
      JSON.stringify(envelopeFactory(task, options.maxAttempts ? { maxAttempts: options.maxAttempts } : {})),
    ),
    receiveCount: options.receiveCount ?? 1,
    revoked: new Set(),
    now: NOW,
    lookup: (name) => registry.get(name),
  });
  expectKind(out, 'run');
  return out;
}

const returned = (value: unknown): Execution => ({
  kind: 'returned',
  value,
  startedAt: NOW,
  finishedAt: NOW + 5,
});
const threw = (error: unknown): Execution => ({ kind: 'threw', error, startedAt: NOW, finishedAt: NOW + 5 });
const input = { receiveCount: 1, receiveBudget: 5, random: () => 0.5, now: NOW };

describe('verdict after a return', () => {
  it('succeeds and creates the record with one PutItem on a first attempt', () => {
    const out = verdict(runnable('echo'), returned({ x: 1 }), input);
    expectKind(out, 'succeed');
    expect(out.record).toMatchObject({ state: 'SUCCESS', result: { x: 1 }, fresh: true, attempt: 1 });
  });

  it('does not create the record afresh when STARTED was written', () => {
    const out = verdict(runnable('started'), returned('ok'), input);
    expectKind(out, 'succeed');
    expect(out.record?.fresh).toBe(false);
  });

  it('records undefined as null', () => {
    const out = verdict(runnable('nothing'), returned(undefined), input);
    expectKind(out, 'succeed');
    expect(out.result).toBeNull();
  });

  it('fails for good a stored result that is not JSON, naming why', () => {
    const out = verdict(runnable('dated'), returned(new Date(0)), input);
    expectKind(out, 'dead-letter');
    expect(out.error).toMatchObject({ type: 'CeleriacError', code: 'NOT_JSON' });
  });

  it('fails for good a result nested 5,000 deep with a bounded message', () => {
    const out = verdict(runnable('deep'), returned(nest(5_000)), input);
    expectKind(out, 'dead-letter');
    expect(out.error.message).toMatch(/nested deeper than 1000 levels/);
  });

  it('accepts a non-JSON result that is neither stored nor passed on', () => {
    const out = verdict(runnable('quiet'), returned(new Date(0)), input);
    expectKind(out, 'succeed');
    expect(out.record).toBeUndefined();
  });
});

describe('verdict after a throw', () => {
  it('retries a short backoff in flight, by a visibility change', () => {
    const out = verdict(runnable('brief'), threw(new TypeError('x')), input);
    expectKind(out, 'retry');
    expect([out.delayMs, out.record?.retryInMs, out.copy]).toEqual([2_000, 2_000, undefined]);
  });

  it('sends a backoff longer than the in-flight threshold as a delayed copy carrying the attempt', () => {
    const run = runnable('flaky');
    const out = verdict(run, threw(new TypeError('x')), input);
    expectKind(out, 'retry');
    expect([out.delayMs, out.copy]).toEqual([10_000, { env: run.env, spent: 1 }]);
  });

  it('retries a retriable error with the policy backoff', () => {
    const out = verdict(runnable('flaky'), threw(new TypeError('x')), input);
    expect(out).toMatchObject({
      kind: 'retry',
      delayMs: 10_000,
      record: { state: 'RETRY', retryInMs: 10_000 },
    });
  });

  it('retries a Retry after its own delay', () => {
    const out = verdict(runnable('later'), threw(oddRetry()), input);
    expectKind(out, 'retry');
    expect(out.delayMs).toBe(42_000);
  });

  it('fails a NonRetriable for good, telling the workflow', () => {
    const run = runnable('fatal');
    const out = verdict(run, threw(Object.assign(new Error('no card'), { name: 'NonRetriable' })), input);
    expect(out).toMatchObject({
      kind: 'dead-letter',
      continueFailure: run.env,
      record: { state: 'FAILURE' },
    });
  });

  it('fails for good an error the policy does not retry', () => {
    expect(verdict(runnable('picky'), threw(new TypeError('x')), input).kind).toBe('dead-letter');
  });

  it('fails for good at the last attempt', () => {
    expect(verdict(runnable('flaky', { receiveCount: 3 }), threw(new TypeError('x')), input).kind).toBe(
      'dead-letter',
    );
  });

  it('honours the envelope override of maxAttempts', () => {
    const run = runnable('flaky', { maxAttempts: 1 });
    expect(verdict(run, threw(new TypeError('x')), input).kind).toBe('dead-letter');
  });

  it('retries through a fresh copy where SQS would dead-letter the message mid-retry', () => {
    const run = runnable('flaky', { receiveCount: 4, maxAttempts: 10 });
    const out = verdict(run, threw(new TypeError('x')), { ...input, receiveCount: 4 });
    expectKind(out, 'retry');
    expect(out.copy).toEqual({ env: run.env, spent: 4 });
  });

  it('carries a backoff longer than SQS can delay as the copy retryAt', () => {
    const run = runnable('later', { receiveCount: 4, maxAttempts: 10 });
    const out = verdict(run, threw(Object.assign(new Error('x'), { name: 'Retry', afterMs: 3_600_000 })), {
      ...input,
      receiveCount: 4,
    });
    expectKind(out, 'retry');
    expect([out.delayMs, out.copy?.env.retryAt]).toEqual([900_000, NOW + 3_600_000]);
  });

  it('treats a retry predicate that throws as the default: retry', () => {
    const run = runnable('flaky');
    const policy = {
      ...run.task.definition.retry,
      retryOn: () => {
        throw new Error('predicate bug');
      },
    };
    const task = { ...run.task, definition: { ...run.task.definition, retry: policy } };
    expect(verdict({ ...run, task }, threw(new Error('x')), input).kind).toBe('retry');
  });

  it('acknowledges a run aborted by revocation', () => {
    expect(verdict(runnable('echo'), { kind: 'revoked' }, input)).toEqual({
      kind: 'ack',
      why: 'revoked while running',
    });
  });

  it.each([
    ['null-prototype', { type: 'NonErrorThrown', message: '{}' }],
    ['toString-throws', { type: 'Error', message: 'boom' }],
    ['message-not-string', { type: 'Error', message: '{"nested":true}' }],
  ])('records a thrown %s value as a clear error', (what, expected) => {
    const out = verdict(runnable('thrower'), threw(oddValue(what)), input);
    expectKind(out, 'dead-letter');
    expect(out.error).toMatchObject(expected);
  });

  it('bounds a 500 KB error name', () => {
    const out = verdict(runnable('thrower'), threw(oddValue('huge-name')), input);
    expectKind(out, 'dead-letter');
    expect(out.error.type.length).toBe(200);
  });
});

function oddRetry(): Error {
  return Object.assign(new Error('not ready'), { name: 'Retry', afterMs: 42_000 });
}
