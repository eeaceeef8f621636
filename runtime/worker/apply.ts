import { hasContinuation } from '../canvas/continue.js';
import { TaskState } from '../constants.js';
import { type Envelope, encodeEnvelope } from '../envelope.js';
import { CeleriacError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { safeString, serializeError } from '../results/record.js';
import type { Transition } from '../results/store.js';
import type { WorkflowContinuation } from './continuation.js';
import type { Decision } from './decision.js';
import { ACK, FAIL, type Outcome } from './outcome.js';
import type { WorkerStore } from './store.js';
import type { SummaryCarry } from './success-summaries.js';

/** What applying a decision touches. */
export interface ApplyDeps {
  readonly store: WorkerStore;
  readonly workflow: WorkflowContinuation;
  readonly log: Logger;
  /** The Lambda request id: written on records, and the chord firing token. */
  readonly requestId: string;
  /** Asked before each SUCCESS write: the batch's success summary it may carry (how successes are listed). */
  readonly successSummary?: (t: Transition) => Promise<SummaryCarry>;
}

/**
 * Carry out a {@link Decision}: continue the workflow, write the record, and say what becomes
 * of the message. The workflow goes first, so a failed send returns the message for another
 * try before anything final is recorded; every id in it is frozen, so a repeat re-sends the
 * same ids. A store or queue that cannot be reached yields `fail`: the message comes back.
 *
 * @example
 * ```ts
 * const outcome = await applyDecision({ kind: 'ack', why: 'revoked' }, deps);
 * ```
 */
export async function applyDecision(decision: Decision, deps: ApplyDeps): Promise<Outcome> {
  switch (decision.kind) {
    case 'ack':
      return (await writeRecord(deps, decision.record)) ? ACK : FAIL;
    case 'defer':
      return deferredCopy(decision.env, decision.spent, decision.delayMs, deps.log) ?? FAIL;
    case 'retry': {
      if (!(await writeRecord(deps, decision.record))) return FAIL;
      const { copy } = decision;
      if (copy) return deferredCopy(copy.env, copy.spent, decision.delayMs, deps.log) ?? FAIL;
      return { kind: 'retry', delayMs: decision.delayMs };
    }
    case 'dead-letter': {
      const env = decision.continueFailure;
      if (env && hasContinuation(env)) {
        try {
          await deps.workflow.onFailure(env, decision.error);
        } catch (err) {
          deps.log.error('workflow failure handling failed; message returned for retry', {
            error: safeString(err),
          });
          return FAIL;
        }
      }
      return (await writeRecord(deps, decision.record))
        ? { kind: 'dead-letter', error: decision.error }
        : FAIL;
    }
    case 'succeed': {
      if (hasContinuation(decision.env)) {
        try {
          await deps.workflow.onSuccess(decision.env, decision.result, deps.requestId);
        } catch (err) {
          if (!(err instanceof CeleriacError) || err.code === ErrorCode.SEND_FAILED) {
            deps.log.error('workflow continuation failed; message returned for retry', {
              error: safeString(err),
            });
            return FAIL;
          }
          // The next step cannot be built from this result (bad partial input): a bug, not retried.
          const error = serializeError(err);
          deps.log.error('workflow continuation rejected the result', { error: error.message });
          return applyDecision(decision.onRejected(error), deps);
        }
      }
      return (await writeRecord(deps, decision.record)) ? ACK : FAIL;
    }
  }
}

/**
 * Write a transition. Returns false when the store could not be reached (the message is then
 * reported failed and retried). A write refused because the task already ended (a duplicate)
 * counts as done.
 */
async function writeRecord(deps: ApplyDeps, t: Transition | undefined): Promise<boolean> {
  if (!t) return true;
  const carry = t.state === TaskState.SUCCESS ? await deps.successSummary?.(t) : undefined;
  let settled = { written: false, carried: false };
  try {
    const out = await deps.store.write({
      ...t,
      requestId: deps.requestId,
      ...(carry?.summary ? { summary: carry.summary } : {}),
    });
    settled = { written: out.written, carried: out.written && out.carried === true };
    if (!out.written)
      deps.log.info('state not recorded: task already final', { taskId: t.id, current: out.current ?? null });
    return true;
  } catch (err) {
    deps.log.error('results store write failed', { taskId: t.id, error: safeString(err) });
    return false;
  } finally {
    carry?.settle(settled);
  }
}

/**
 * A fresh copy of the message, delayed, whose envelope says how many attempts were spent before
 * it (`spent`): the attempt number is then `spent + ApproximateReceiveCount`. `undefined` when
 * the copy cannot be encoded (the message then comes back after its visibility timeout).
 */
function deferredCopy(env: Envelope, spent: number, delayMs: number, log: Logger): Outcome | undefined {
  try {
    return { kind: 'defer', delayMs, body: encodeEnvelope({ ...env, spent }) };
  } catch (err) {
    log.error('deferred copy not encodable; message returned as is', { error: safeString(err) });
    return undefined;
  }
}
