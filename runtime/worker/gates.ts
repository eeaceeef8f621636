import type { Claim } from '../idempotency/run-claim.js';
import type { Slot } from '../ratelimit/limiter.js';
import type { Runnable } from './checks.js';
import type { Decision } from './decision.js';
import { succeeded } from './verdicts.js';

/** Pass: the task may run. */
export const PROCEED = { kind: 'proceed' } as const;
/** The outcome of a gate: run, or a {@link Decision} instead. */
export type Gate = typeof PROCEED | Decision;

/** Shortest wait of a deferred copy. */
const MIN_DEFER_MS = 1_000;

/**
 * After a rate-limit slot was asked for: run, or wait for the next window (plus `jitterMs`, so
 * the deferred copies do not all land at once) without spending an attempt.
 *
 * @example
 * ```ts
 * rateLimitGate(run, { ok: false, retryAtMs: now + 5_000 }, now, 120); // defer ~5.1 s
 * ```
 */
export function rateLimitGate(run: Runnable, slot: Slot, now: number, jitterMs: number): Gate {
  if (slot.ok) return PROCEED;
  return {
    kind: 'defer',
    delayMs: Math.max(MIN_DEFER_MS, slot.retryAtMs - now + jitterMs),
    env: run.env,
    spent: run.attempt - 1,
  };
}

/**
 * After a run-once claim was asked for: run (claimed), wait until the claim held elsewhere
 * expires (in progress), or finish the job of the run that completed it: its result is recorded
 * as SUCCESS and the workflow continues, as the completing worker may have died before doing so.
 *
 * @example
 * ```ts
 * claimGate(run, { kind: 'completed', result: 4 }, now); // succeed with 4
 * ```
 */
export function claimGate(run: Runnable, claim: Claim, now: number): Gate {
  switch (claim.kind) {
    case 'claimed':
      return PROCEED;
    case 'in-progress':
      return {
        kind: 'defer',
        delayMs: Math.max(MIN_DEFER_MS, claim.untilMs - now),
        env: run.env,
        spent: run.attempt - 1,
      };
    case 'completed':
      return succeeded(run, claim.result, { finishedAt: now, fresh: false });
  }
}
