import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../runtime/envelope.js';
import { checkRecord, type Runnable } from '../../../runtime/worker/checks.js';
import { claimGate, PROCEED, rateLimitGate } from '../../../runtime/worker/gates.js';
import { envelopeFactory, expectKind, NOW } from './support/factories.js';
import { registry } from './tasks.js';

function runnable(task: string, receiveCount = 1): Runnable {
  const out = checkRecord({
    decoded: decodeEnvelope(JSON.stringify(envelopeFactory(task, { chain: [] }))),
    receiveCount,
    revoked: new Set(),
    now: NOW,
    lookup: (name) => registry.get(name),
  });
  expectKind(out, 'run');
  return out;
}

describe('rateLimitGate', () => {
  it('lets a run with a slot proceed', () => {
    expect(rateLimitGate(runnable('limited'), { ok: true }, NOW, 0)).toBe(PROCEED);
  });

  it('defers a limited run to the next window plus jitter, not spending an attempt', () => {
    const run = runnable('limited', 2);
    expect(rateLimitGate(run, { ok: false, retryAtMs: NOW + 5_000 }, NOW, 120)).toEqual({
      kind: 'defer',
      delayMs: 5_120,
      env: run.env,
      spent: 1,
    });
  });

  it('waits at least one second', () => {
    const out = rateLimitGate(runnable('limited'), { ok: false, retryAtMs: NOW + 10 }, NOW, 0);
    expectKind(out, 'defer');
    expect(out.delayMs).toBe(1_000);
  });
});

describe('claimGate', () => {
  it('lets the claim holder run', () => {
    expect(claimGate(runnable('once'), { kind: 'claimed' }, NOW)).toBe(PROCEED);
  });

  it('defers while another worker holds the claim, until it expires', () => {
    const out = claimGate(runnable('once'), { kind: 'in-progress', untilMs: NOW + 30_000 }, NOW);
    expectKind(out, 'defer');
    expect(out.delayMs).toBe(30_000);
  });

  it('finishes the job of a COMPLETED claim: SUCCESS from the claimed result, workflow continued', () => {
    const run = runnable('once');
    const out = claimGate(run, { kind: 'completed', result: { ran: true } }, NOW);
    expectKind(out, 'succeed');
    expect([out.result, out.env, out.record?.state, out.record?.result, out.record?.fresh]).toEqual([
      { ran: true },
      run.env,
      'SUCCESS',
      { ran: true },
      false,
    ]);
  });
});
