import { beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../runtime/envelope.js';
import { CeleriacError } from '../../../runtime/errors.js';
import {
  envelopeFactory,
  envelopeRecord,
  expectKind,
  sqsRecordFactory,
  workerHarness,
} from './support/factories.js';
import { calls, deepBody, registry } from './tasks.js';

const chain = [
  {
    kind: 'task' as const,
    id: 'next-1',
    task: 'echo',
    queue: 'default',
    mode: 'immutable' as const,
    args: {},
  },
];

beforeEach(() => {
  calls.length = 0;
});

describe('runRecord: success', () => {
  it('records SUCCESS with the result and acknowledges', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('echo', { args: { x: 1 } });
    expect(await w.run(envelopeRecord(env))).toEqual({ kind: 'ack' });
    expect(w.store.records.get(env.id)).toMatchObject({
      state: 'SUCCESS',
      result: { x: 1 },
      requestId: 'req-1',
    });
  });

  it('writes no SUCCESS for a task that stores errors only', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('quiet');
    await w.run(envelopeRecord(env));
    expect(w.store.records.has(env.id)).toBe(false);
  });

  it('continues the workflow before recording SUCCESS', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('echo', { args: 7, chain });
    await w.run(envelopeRecord(env));
    expect(w.workflow.successes.map((s) => [s.env.id, s.result, s.token])).toEqual([[env.id, 7, 'req-1']]);
  });

  it('returns the message when the workflow cannot be continued, recording nothing final', async () => {
    const w = workerHarness(registry);
    w.workflow.unreachable();
    const env = envelopeFactory('echo', { chain });
    expect(await w.run(envelopeRecord(env))).toEqual({ kind: 'fail' });
    expect(w.store.records.has(env.id)).toBe(false);
  });

  it('fails for good a result the next step rejects (a bug), without retrying it', async () => {
    const w = workerHarness(registry);
    w.workflow.rejectWith(new CeleriacError('INVALID_CANVAS', 'partial needs an object'));
    const env = envelopeFactory('echo', { chain });
    expect(await w.run(envelopeRecord(env))).toMatchObject({
      kind: 'dead-letter',
      error: { code: 'INVALID_CANVAS' },
    });
  });

  it('returns the message when the store is down', async () => {
    const w = workerHarness(registry);
    w.store.unreachable('write');
    expect(await w.run(envelopeRecord(envelopeFactory('echo')))).toEqual({ kind: 'fail' });
  });

  it('writes STARTED before running a task that tracks it', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('started');
    await w.run(envelopeRecord(env));
    expect(w.store.records.get(env.id)?.history.map((e) => e.state)).toEqual(['STARTED', 'SUCCESS']);
  });
});

describe('runRecord: failure', () => {
  it('records RETRY and asks for a short retry in flight', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('brief');
    expect(await w.run(envelopeRecord(env))).toEqual({ kind: 'retry', delayMs: 2_000 });
    expect(w.store.records.get(env.id)).toMatchObject({ state: 'RETRY', error: { type: 'TypeError' } });
  });

  it('records RETRY and replaces the message by a delayed copy for a long backoff', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('flaky');
    const out = await w.run(envelopeRecord(env));
    expectKind(out, 'defer');
    expect(out.delayMs).toBe(10_000);
    // The copy carries the attempt spent: its first receive is attempt 2.
    expect(JSON.parse(out.body)).toMatchObject({ id: env.id, spent: 1 });
    expect(w.store.records.get(env.id)).toMatchObject({ state: 'RETRY', attempt: 1, retryInMs: 10_000 });
  });

  it('records FAILURE at the last attempt, tells the workflow, and dead-letters', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('flaky', { chain });
    expect(await w.run(envelopeRecord(env, 3))).toMatchObject({ kind: 'dead-letter' });
    expect([w.store.records.get(env.id)?.state, w.workflow.failures.length]).toEqual(['FAILURE', 1]);
  });

  it('returns the message when the workflow cannot learn of the failure', async () => {
    const w = workerHarness(registry);
    w.workflow.unreachable();
    expect(await w.run(envelopeRecord(envelopeFactory('fatal', { chain })))).toEqual({ kind: 'fail' });
  });

  it('records invalid arguments as FAILURE without running', async () => {
    const { task } = await import('../../../runtime/task.js');
    const { createRegistry } = await import('../../../runtime/registry.js');
    const v = await import('valibot');
    const schema = v.number();
    const typed = task('typed', { schema }, (n: number) => n);
    const w = workerHarness(createRegistry({ app: 'unit', tasks: [typed] }));
    const env = envelopeFactory('typed', { args: 'text' });
    expect(await w.run(envelopeRecord(env))).toMatchObject({
      kind: 'dead-letter',
      error: { code: 'INVALID_ARGS' },
    });
  });

  it('records a time limit exceeded as a retriable TimeLimitExceeded', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('slow');
    await w.run(envelopeRecord(env));
    expect(w.store.records.get(env.id)?.error?.type).toBe('TimeLimitExceeded');
  });

  it('retries through a fresh copy carrying the attempts once the queue receive budget is spent', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('flaky', { maxAttempts: 10 });
    const out = await w.run(envelopeRecord(env, 4));
    expect(out.kind === 'defer' && decodeEnvelope(out.body)).toMatchObject({
      ok: true,
      envelope: { spent: 4 },
    });
  });

  it.each(['null-prototype', 'toString-throws', 'message-not-string', 'huge-name'])(
    'ends a thrown %s value recorded as FAILURE',
    async (what) => {
      const w = workerHarness(registry);
      const env = envelopeFactory('thrower', { args: { what } });
      await w.run(envelopeRecord(env));
      expect(w.store.records.get(env.id)?.state).toBe('FAILURE');
    },
  );

  it('ends arguments nested 5,000 deep recorded as FAILURE', async () => {
    const w = workerHarness(registry);
    await w.run(sqsRecordFactory(deepBody('deep-args', 5_000)));
    expect(w.store.records.get('deep-args')?.state).toBe('FAILURE');
  });

  it('ends a malformed body with a 3 KB task name recorded as FAILURE', async () => {
    const w = workerHarness(registry);
    await w.run(sqsRecordFactory(JSON.stringify({ v: 1, id: 'long-name', task: 'y'.repeat(3_000) })));
    expect(w.store.records.get('long-name')?.state).toBe('FAILURE');
  });
});

describe('runRecord: run once', () => {
  it('runs a run-once task once under duplicate delivery', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('once');
    await w.run(envelopeRecord(env));
    await w.run(envelopeRecord(env, 2));
    expect(calls.filter((c) => c.task === 'once')).toHaveLength(1);
  });

  it('records SUCCESS from the claim when the first SUCCESS write was lost', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('once');
    w.store.unreachable('write');
    expect(await w.run(envelopeRecord(env))).toEqual({ kind: 'fail' });
    await w.run(envelopeRecord(env, 2));
    expect(w.store.records.get(env.id)).toMatchObject({ state: 'SUCCESS', result: { ran: true } });
  });

  it('continues the workflow from the claim on redelivery', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('once', { chain });
    w.store.unreachable('write');
    await w.run(envelopeRecord(env));
    await w.run(envelopeRecord(env, 2));
    expect(w.workflow.successes.map((s) => s.result)).toEqual([{ ran: true }, { ran: true }]);
  });

  it('records a cron firing from its claim on redelivery', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('echo', {
      beat: { schedule: 'nightly', at: '2026-06-01T12:00:00Z' },
      args: 3,
    });
    w.store.unreachable('write');
    await w.run(envelopeRecord(env));
    await w.run(envelopeRecord(env, 2));
    expect([calls.length, w.store.records.get(env.id)?.result]).toEqual([1, 3]);
  });

  it('defers a duplicate while the claim is held elsewhere', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('once');
    await w.store.claimRun(env.id, w.deps.deadline, 60_000);
    expect((await w.run(envelopeRecord(env))).kind).toBe('defer');
  });

  it('returns the message when the claim cannot be marked COMPLETED', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('echo', { beat: { schedule: 'n', at: '2026-06-01T12:00:00Z' } });
    w.store.unreachable('completeRun');
    expect(await w.run(envelopeRecord(env))).toEqual({ kind: 'fail' });
  });

  it('keeps no COMPLETED claim for a result that failed as not JSON', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('onceDated');
    await w.run(envelopeRecord(env));
    expect([w.store.claims.has(env.id), w.store.records.get(env.id)?.state]).toEqual([false, 'FAILURE']);
  });

  it('releases the claim after a failed attempt so the retry may run', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('onceFlaky');
    await w.run(envelopeRecord(env));
    expect(w.store.claims.has(env.id)).toBe(false);
  });
});

describe('runRecord: rate limit', () => {
  it('defers the run past the window limit without spending an attempt', async () => {
    const w = workerHarness(registry);
    await w.run(envelopeRecord(envelopeFactory('limited')));
    const out = await w.run(envelopeRecord(envelopeFactory('limited')));
    expect(out.kind === 'defer' && decodeEnvelope(out.body)).toMatchObject({
      ok: true,
      envelope: { spent: 0 },
    });
  });

  it('returns the message when the limiter is unreachable', async () => {
    const w = workerHarness(registry);
    w.store.unreachable('acquireSlot');
    expect(await w.run(envelopeRecord(envelopeFactory('limited')))).toEqual({ kind: 'fail' });
  });
});

describe('runRecord: one failure, one DLQ message', () => {
  it('does not run again a redelivered message that was already dead-lettered', async () => {
    const w = workerHarness(registry);
    const record = envelopeRecord(envelopeFactory('echo'), 2);
    await w.store.markDeadLettered(record.messageId);
    expect([await w.run(record), calls.length]).toEqual([{ kind: 'ack' }, 0]);
  });

  it('reads no mark on a first delivery', async () => {
    const w = workerHarness(registry);
    w.store.unreachable('wasDeadLettered');
    expect(await w.run(envelopeRecord(envelopeFactory('echo'), 1))).toEqual({ kind: 'ack' });
  });

  it('returns a redelivered message when the mark cannot be read', async () => {
    const w = workerHarness(registry);
    w.store.unreachable('wasDeadLettered');
    expect(await w.run(envelopeRecord(envelopeFactory('echo'), 2))).toEqual({ kind: 'fail' });
  });
});

describe('runRecord: not run', () => {
  it('acknowledges a revoked task without running it', async () => {
    const env = envelopeFactory('echo');
    const w = workerHarness(registry, { revoked: [env.id] });
    await w.run(envelopeRecord(env));
    expect(calls).toHaveLength(0);
  });

  it('records WorkerLost after an attempt that never reported, and tells the workflow', async () => {
    const w = workerHarness(registry);
    const env = envelopeFactory('echo', { chain });
    await w.run(envelopeRecord(env, 4));
    expect([w.store.records.get(env.id)?.error?.type, w.workflow.failures.length]).toEqual(['WorkerLost', 1]);
  });
});
