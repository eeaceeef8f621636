import { TaskState } from '../constants.js';
import type { DecodeResult, Envelope } from '../envelope.js';
import { ErrorCode } from '../errors.js';
import type { Task } from '../task.js';
import { type Decision, workerError } from './decision.js';
import { envelopeTransition, ifStored, rejectedTransition, taskTransition } from './transitions.js';
import type { SqsRecord } from './types.js';

/** A record that passed every check: run its task. */
export interface Runnable {
  readonly kind: 'run';
  readonly env: Envelope;
  readonly task: Task;
  /** This attempt's number: attempts spent on earlier copies plus this message's receives. */
  readonly attempt: number;
  /** The envelope's override, else the task's retry policy. */
  readonly maxAttempts: number;
}

/** What {@link checkRecord} looks at: plain values and a task lookup. */
export interface CheckInput {
  readonly decoded: DecodeResult;
  /** SQS's ApproximateReceiveCount of this message (1 on first delivery). */
  readonly receiveCount: number;
  /** Revoked task and workflow-root ids. */
  readonly revoked: ReadonlySet<string>;
  readonly now: number;
  readonly lookup: (name: string) => Task | undefined;
  /** This very message was already copied to its DLQ (a batch timed out after the copy). */
  readonly deadLettered?: boolean;
}

/** SQS's receive count of a record, at least 1. */
export function receiveCountOf(record: SqsRecord): number {
  return Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
}

/**
 * The checks made before a task runs, in order: the message was not already dead-lettered
 * (by a delivery whose batch then timed out), the body is a valid envelope, its task is
 * registered, it is not revoked, not expired, not a retry copy still waiting for its backoff, and attempts remain (an attempt past the last
 * means the previous one ended without reporting: a crash or a Lambda timeout). Pure: returns
 * the {@link Decision} for a record that must not run, or {@link Runnable}.
 *
 * @example
 * ```ts
 * const checked = checkRecord({ decoded, receiveCount: 1, revoked: new Set(), now, lookup: registry.get });
 * if (checked.kind === 'run') await run(checked);
 * ```
 */
export function checkRecord(input: CheckInput): Decision | Runnable {
  const { decoded, receiveCount, now } = input;
  if (input.deadLettered) return { kind: 'ack', why: 'already dead-lettered' };
  if (!decoded.ok) {
    const error = workerError(
      decoded.code === ErrorCode.UNSUPPORTED_VERSION ? 'UnsupportedVersion' : 'MalformedMessage',
      decoded.message,
      decoded.code,
    );
    return {
      kind: 'dead-letter',
      error,
      ...(decoded.id
        ? { record: rejectedTransition(decoded.id, decoded.task, receiveCount, now, error) }
        : {}),
    };
  }
  const env = decoded.envelope;
  const attempt = receiveCount + (env.spent ?? 0);
  const task = input.lookup(env.task);
  if (!task) {
    const error = workerError(
      'NotRegistered',
      `task "${env.task}" is not registered in this worker`,
      ErrorCode.UNKNOWN_TASK,
    );
    return {
      kind: 'dead-letter',
      error,
      record: envelopeTransition(env, attempt, { state: TaskState.FAILURE, error, finishedAt: now }),
    };
  }
  const def = task.definition;
  if (input.revoked.has(env.id) || input.revoked.has(env.root)) return { kind: 'ack', why: 'revoked' };
  if (env.expires !== undefined && env.expires <= now) {
    const at = new Date(env.expires).toISOString();
    const error = workerError('Expired', `task expired at ${at} before it ran`);
    return {
      kind: 'ack',
      why: 'expired',
      record: ifStored(
        def,
        taskTransition(env, def, attempt, { state: TaskState.REVOKED, error, finishedAt: now }),
      ),
    };
  }
  if (env.retryAt !== undefined && env.retryAt > now) {
    // A retry copy whose backoff is longer than SQS can delay it: wait again, not an attempt.
    return { kind: 'defer', delayMs: env.retryAt - now, env, spent: attempt - 1 };
  }
  const maxAttempts = env.maxAttempts ?? def.retry.maxAttempts;
  if (attempt > maxAttempts) {
    const error = workerError(
      'WorkerLost',
      `attempt ${attempt} exceeds maxAttempts ${maxAttempts}: the previous attempt ended without reporting (crash or Lambda timeout)`,
    );
    return {
      kind: 'dead-letter',
      error,
      // Never replaces a FAILURE already recorded with its real error (a dead-letter copy that failed).
      record: ifStored(
        def,
        taskTransition(env, def, attempt - 1, {
          state: TaskState.FAILURE,
          error,
          finishedAt: now,
          protect: [TaskState.SUCCESS, TaskState.REVOKED, TaskState.FAILURE],
        }),
      ),
      continueFailure: env,
    };
  }
  return { kind: 'run', env, task, attempt, maxAttempts };
}
