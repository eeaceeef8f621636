import { hasContinuation } from '../canvas/continue.js';
import { Defaults, Limits, ResultMode, TaskState } from '../constants.js';
import { isNonRetriable, isRetry } from '../control.js';
import { type Json, toJson } from '../json.js';
import { type SerializedError, serializeError } from '../results/record.js';
import { backoffDelayMs } from '../retry.js';
import type { Runnable } from './checks.js';
import type { Decision } from './decision.js';
import { ifStored, taskTransition } from './transitions.js';

/** How one run of a task ended. */
export type Execution =
  | {
      readonly kind: 'returned';
      readonly value: unknown;
      readonly startedAt: number;
      readonly finishedAt: number;
    }
  | {
      readonly kind: 'threw';
      readonly error: unknown;
      readonly startedAt: number;
      readonly finishedAt: number;
    }
  /** Aborted because the task or its workflow was revoked while it ran. */
  | { readonly kind: 'revoked' };

/** What {@link verdict} needs besides the run and how it ended. */
export interface VerdictInput {
  /** SQS's receive count of this message. */
  readonly receiveCount: number;
  /** Receives after which SQS moves a message of this queue to its DLQ (its maxReceiveCount). */
  readonly receiveBudget: number;
  /** A source of [0, 1) numbers for backoff jitter. */
  readonly random: () => number;
  /** Epoch ms now. */
  readonly now: number;
}

/**
 * Decide what follows a run: success (the result must be JSON when it is stored or continues a
 * workflow), a retry (a retriable error with attempts left), or a failure for good. Pure.
 *
 * @example
 * ```ts
 * verdict(run, { kind: 'threw', error, startedAt, finishedAt }, { receiveCount: 1, receiveBudget: 5, random });
 * ```
 */
export function verdict(run: Runnable, execution: Execution, input: VerdictInput): Decision {
  if (execution.kind === 'revoked') return { kind: 'ack', why: 'revoked while running' };
  const timing = { startedAt: execution.startedAt, finishedAt: execution.finishedAt };
  if (execution.kind === 'threw') return failed(run, execution.error, timing, input);
  const def = run.task.definition;
  const value = execution.value === undefined ? null : execution.value;
  if (def.resultMode === ResultMode.ALWAYS || hasContinuation(run.env)) {
    try {
      toJson(value, `task "${def.name}" result`);
    } catch (err) {
      // The result cannot be stored or passed on: a bug in the task, not worth retrying.
      return failedForGood(run, serializeError(err), timing);
    }
  }
  return succeeded(run, value as Json, {
    ...timing,
    // First attempt with nothing written before: create the item with one PutItem.
    fresh: run.attempt === 1 && !def.trackStarted,
  });
}

/**
 * The task succeeded with `result`: continue the workflow, then record SUCCESS (when stored).
 *
 * @example
 * ```ts
 * succeeded(run, 4, { finishedAt: now, fresh: false });
 * ```
 */
export function succeeded(
  run: Runnable,
  result: Json,
  timing: { readonly startedAt?: number; readonly finishedAt: number; readonly fresh: boolean },
): Decision {
  const def = run.task.definition;
  return {
    kind: 'succeed',
    env: run.env,
    result,
    record: ifStored(
      def,
      taskTransition(run.env, def, run.attempt, { state: TaskState.SUCCESS, result, ...timing }),
    ),
    onRejected: (error) =>
      failedForGood(run, error, { startedAt: timing.startedAt, finishedAt: timing.finishedAt }),
  };
}

/**
 * The task failed for good with `error`: the workflow learns of it, FAILURE is recorded, the
 * message goes to the DLQ.
 *
 * @example
 * ```ts
 * failedForGood(run, { type: 'ChainAborted', message: '…' }, { finishedAt: now });
 * ```
 */
export function failedForGood(
  run: Runnable,
  error: SerializedError,
  timing: { readonly startedAt?: number; readonly finishedAt: number },
): Decision {
  const def = run.task.definition;
  return {
    kind: 'dead-letter',
    error,
    record: ifStored(
      def,
      taskTransition(run.env, def, run.attempt, { state: TaskState.FAILURE, error, ...timing }),
    ),
    continueFailure: run.env,
  };
}

function failed(
  run: Runnable,
  thrown: unknown,
  timing: { readonly startedAt: number; readonly finishedAt: number },
  input: VerdictInput,
): Decision {
  const def = run.task.definition;
  const error = serializeError(thrown);
  if (!isRetriable(thrown, def.retry.retryOn) || run.attempt >= run.maxAttempts) {
    return failedForGood(run, error, timing);
  }
  const delayMs = isRetry(thrown) ? thrown.afterMs : backoffDelayMs(def.retry, run.attempt, input.random);
  const record = ifStored(
    def,
    taskTransition(run.env, def, run.attempt, {
      state: TaskState.RETRY,
      error,
      retryInMs: delayMs,
      ...timing,
    }),
  );
  // A visibility retry is one more receive; one receive is kept spare for a lost worker. Past
  // that, SQS would move the message to the DLQ mid-retry: a fresh copy carries the attempts.
  // A long backoff also leaves the queue as a copy: waiting in flight, it would count toward
  // SQS's in-flight limit for its whole length.
  if (input.receiveCount + 2 > input.receiveBudget || delayMs > Defaults.IN_FLIGHT_BACKOFF_MAX_MS) {
    const maxDelayMs = Limits.SQS_MAX_DELAY_SECONDS * 1000;
    // A copy waits at most 15 min in SQS; a longer backoff travels as `retryAt`, re-checked then.
    const env = delayMs > maxDelayMs ? { ...run.env, retryAt: input.now + delayMs } : run.env;
    return {
      kind: 'retry',
      delayMs: Math.min(delayMs, maxDelayMs),
      record,
      copy: { env, spent: run.attempt },
    };
  }
  return { kind: 'retry', delayMs, record };
}

/** `Retry` always retries, `NonRetriable` never; otherwise the policy decides (a throwing predicate: retry). */
function isRetriable(thrown: unknown, retryOn: (error: unknown) => boolean): boolean {
  if (isRetry(thrown)) return true;
  if (isNonRetriable(thrown)) return false;
  try {
    return Boolean(retryOn(thrown));
  } catch {
    return true;
  }
}
