import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../runtime/envelope.js';
import { type CheckInput, checkRecord } from '../../../runtime/worker/checks.js';
import { envelopeFactory, expectKind, NOW } from './support/factories.js';
import { deepBody, registry } from './tasks.js';

const lookup = (name: string) => registry.get(name);

function check(body: string, extra: Partial<CheckInput> = {}) {
  return checkRecord({
    decoded: decodeEnvelope(body),
    receiveCount: 1,
    revoked: new Set(),
    now: NOW,
    lookup,
    ...extra,
  });
}

const body = (overrides: Parameters<typeof envelopeFactory>[1] = {}, task = 'echo') =>
  JSON.stringify(envelopeFactory(task, overrides));

describe('checkRecord', () => {
  it('dead-letters a body that is not JSON, with nothing to record', () => {
    expect(check('not json')).toEqual({
      kind: 'dead-letter',
      error: { type: 'MalformedMessage', message: 'message body is not JSON', code: 'MALFORMED_MESSAGE' },
    });
  });

  it('records FAILURE for a malformed body that names a task id', () => {
    const out = check(JSON.stringify({ v: 1, id: 'bad-1', task: 'echo' }));
    expectKind(out, 'dead-letter');
    expect(out.record).toMatchObject({
      id: 'bad-1',
      state: 'FAILURE',
      task: 'echo',
      error: { type: 'MalformedMessage' },
    });
  });

  it('cuts a 3 KB task name of a malformed body to a bounded index key', () => {
    const out = check(JSON.stringify({ v: 1, id: 'bad-2', task: 'x'.repeat(3_000) }));
    expectKind(out, 'dead-letter');
    expect(out.record?.task.length).toBe(128);
  });

  it('rejects, recording why, a body whose tags could not fit the record', () => {
    const out = check(body({ id: 'tags-1', tags: Array.from({ length: 2_000 }, () => 'x'.repeat(64)) }));
    expectKind(out, 'dead-letter');
    expect(out.record?.error?.message).toMatch(/^envelope tags: /);
  });

  it('names an unsupported envelope version', () => {
    const out = check(JSON.stringify({ v: 99, id: 'v-99' }));
    expectKind(out, 'dead-letter');
    expect(out.error).toMatchObject({ type: 'UnsupportedVersion', code: 'UNSUPPORTED_VERSION' });
  });

  it('rejects arguments nested 5,000 deep with a clear message and records it', () => {
    const out = check(deepBody('deep-1', 5_000));
    expectKind(out, 'dead-letter');
    expect(out.record?.error?.message).toBe('message body is nested deeper than 1000 levels');
  });

  it('dead-letters a task this worker does not know, recording NotRegistered', () => {
    const out = check(body({}, 'nope'));
    expectKind(out, 'dead-letter');
    expect(out.record).toMatchObject({
      state: 'FAILURE',
      error: { type: 'NotRegistered', code: 'UNKNOWN_TASK' },
    });
  });

  it('acknowledges a revoked task without a write', () => {
    expect(check(body({ id: 'r-1' }), { revoked: new Set(['r-1']) })).toEqual({
      kind: 'ack',
      why: 'revoked',
    });
  });

  it('acknowledges a task whose workflow root is revoked', () => {
    expect(check(body({ id: 'c-1', root: 'root-1' }), { revoked: new Set(['root-1']) })).toEqual({
      kind: 'ack',
      why: 'revoked',
    });
  });

  it('records an expired task as REVOKED with the reason', () => {
    const out = check(body({ expires: NOW - 1 }));
    expectKind(out, 'ack');
    expect(out.record).toMatchObject({ state: 'REVOKED', error: { type: 'Expired' } });
  });

  it('writes nothing for an expired task whose result mode is never', () => {
    const out = check(body({ expires: NOW - 1 }, 'silent'));
    expectKind(out, 'ack');
    expect(out.record).toBeUndefined();
  });

  it('reports WorkerLost past the last attempt, naming the envelope override it checked', () => {
    const out = check(body({ maxAttempts: 2 }), { receiveCount: 3 });
    expectKind(out, 'dead-letter');
    expect(out.error.message).toMatch(/^attempt 3 exceeds maxAttempts 2:/);
  });

  it('never lets WorkerLost replace a FAILURE recorded with its real error', () => {
    const out = check(body(), { receiveCount: 4 });
    expectKind(out, 'dead-letter');
    expect(out.record?.protect).toEqual(['SUCCESS', 'REVOKED', 'FAILURE']);
  });

  it('acknowledges, unrun and unrecorded, a message already copied to its DLQ', () => {
    expect(check(body(), { receiveCount: 2, deadLettered: true })).toEqual({
      kind: 'ack',
      why: 'already dead-lettered',
    });
  });

  it('defers, without spending an attempt, a retry copy before its retryAt', () => {
    const out = check(body({ retryAt: NOW + 3_600_000, spent: 4 }), { receiveCount: 1 });
    expect(out).toMatchObject({ kind: 'defer', delayMs: 3_600_000, spent: 4 });
  });

  it('runs a retry copy once its retryAt has passed', () => {
    expect(check(body({ retryAt: NOW - 1 })).kind).toBe('run');
  });

  it('counts attempts spent on earlier copies', () => {
    const out = check(body({ spent: 1 }), { receiveCount: 1 });
    expectKind(out, 'run');
    expect(out.attempt).toBe(2);
  });
});
