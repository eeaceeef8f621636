import { continueOnFailure, continueOnSuccess, hasContinuation } from '../canvas/continue.js';
import type { CeleriacClient } from '../client.js';
import { Defaults, ResultMode, TaskState } from '../constants.js';
import { isNonRetriable, isRetry } from '../control.js';
import { type DecodeResult, decodeEnvelope, type Envelope, encodeEnvelope } from '../envelope.js';
import { CeleriacError } from '../errors.js';
import { type Claim, claimRun, completeRun, releaseRun } from '../idempotency/run-claim.js';
import { type Json, toJson } from '../json.js';
import type { Logger } from '../logger.js';
import { acquireSlot, type Slot } from '../ratelimit/limiter.js';
import type { Registry } from '../registry.js';
import { type SerializedError, serializeError } from '../results/record.js';
import type { Transition } from '../results/store.js';
import { backoffDelayMs } from '../retry.js';
import type { Task, TaskContext } from '../task.js';
import { validateArgs } from '../validate.js';
import { ACK, FAIL, type Outcome } from './outcome.js';
import { type RunningTasks, TaskRevoked } from './revoke-watch.js';
import type { SummaryCarry } from './success-summaries.js';
import { withTimeLimit } from './time-limit.js';
import type { LambdaContextLike, SqsRecord } from './types.js';

/** What the per-record step needs from the batch. */
export interface RecordDeps {
  readonly client: CeleriacClient;
  readonly registry: Registry;
  readonly log: Logger;
  readonly context: LambdaContextLike;
  /** Epoch ms by which every attempt must have ended (Lambda deadline minus a margin). */
  readonly deadline: number;
  readonly random: () => number;
  /** The invocation's running tasks, watched for revocation. */
  readonly running?: RunningTasks;
  /** Asked before each SUCCESS write: the batch's success summary it may carry (how successes are listed). */
  readonly successSummary?: (t: Transition) => Promise<SummaryCarry>;
}

/** A decoded record. */
export interface Decoded {
  readonly record: SqsRecord;
  readonly decoded: DecodeResult;
}

/** Decode a record's body; never throws. */
export function decodeRecord(record: SqsRecord): Decoded {
  return { record, decoded: decodeEnvelope(record.body) };
}

function failure(type: string, message: string, code?: string): SerializedError {
  return { type, message, ...(code ? { code } : {}) };
}

/**
 * Handle one record: decide, run, record. Returns what to do with the message. Throws only on
 * a programming error; store outages become `fail` (the message is retried, nothing lost).
 */
export async function runRecord(
  item: Decoded,
  revoked: ReadonlySet<string>,
  deps: RecordDeps,
): Promise<Outcome> {
  const { record, decoded } = item;
  let attempt = Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
  if (!decoded.ok) {
    const error = failure(
      decoded.code === 'UNSUPPORTED_VERSION' ? 'UnsupportedVersion' : 'MalformedMessage',
      decoded.message,
      decoded.code,
    );
    deps.log.error('message rejected', {
      messageId: record.messageId,
      taskId: decoded.id,
      task: decoded.task,
      reason: decoded.message,
    });
    if (decoded.id) {
      const recorded = await record_(deps, {
        id: decoded.id,
        state: TaskState.FAILURE,
        task: decoded.task ?? '(unreadable)',
        queue: '(unknown)',
        attempt,
        rootId: decoded.id,
        tags: [],
        ttlMs: Defaults.RESULT_TTL_MS,
        finishedAt: deps.client.now(),
        error,
      });
      if (!recorded) return FAIL;
    }
    return { kind: 'dead-letter', error };
  }
  const env = decoded.envelope;
  // Deferred copies carry the attempts spent on earlier messages of the same task.
  attempt += env.spent ?? 0;
  const log = deps.log.child({ taskId: env.id, task: env.task, attempt, queue: env.queue });
  const task = deps.registry.get(env.task);
  if (!task) {
    const error = failure(
      'NotRegistered',
      `task "${env.task}" is not registered in this worker`,
      'UNKNOWN_TASK',
    );
    log.error('unknown task');
    const recorded = await record_(
      deps,
      base(env, attempt, { state: TaskState.FAILURE, error, finishedAt: deps.client.now() }),
    );
    return recorded ? { kind: 'dead-letter', error } : FAIL;
  }
  const def = task.definition;
  if (revoked.has(env.id) || revoked.has(env.root)) {
    log.info('revoked task skipped');
    return ACK;
  }
  const now = deps.client.now();
  if (env.expires !== undefined && env.expires <= now) {
    log.warn('expired task not run', { expiredAt: new Date(env.expires).toISOString() });
    const error = failure('Expired', `task expired at ${new Date(env.expires).toISOString()} before it ran`);
    const recorded = await record_(
      deps,
      transition(env, task, attempt, { state: TaskState.REVOKED, error, finishedAt: now }),
    );
    return recorded ? ACK : FAIL;
  }
  const maxAttempts = env.maxAttempts ?? def.retry.maxAttempts;
  if (attempt > maxAttempts) {
    // An earlier attempt ended without recording anything: the worker crashed or ran out of time.
    const error = failure(
      'WorkerLost',
      `attempt ${attempt} exceeds maxAttempts ${def.retry.maxAttempts}: the previous attempt ended without reporting (crash or Lambda timeout)`,
    );
    log.error('attempts exhausted by lost workers');
    // Never replaces a FAILURE already recorded with its real error (a dead-letter copy that failed).
    const recorded = await record_(deps, {
      ...transition(env, task, attempt - 1, { state: TaskState.FAILURE, error, finishedAt: now }),
      protect: [TaskState.SUCCESS, TaskState.REVOKED, TaskState.FAILURE],
    });
    return recorded ? { kind: 'dead-letter', error } : FAIL;
  }
  let args: unknown;
  try {
    args = await validateArgs(def.schema, env.args, `task "${def.name}"`);
  } catch (err) {
    const error = serializeError(err);
    log.error('invalid arguments', { error: error.message });
    if (!(await continueFailure(deps, env, error, log))) return FAIL;
    const recorded = await record_(
      deps,
      transition(env, task, attempt, { state: TaskState.FAILURE, error, finishedAt: now }),
    );
    return recorded ? { kind: 'dead-letter', error } : FAIL;
  }
  return execute(env, task, args, attempt, log, deps);
}

async function execute(
  env: Envelope,
  task: Task,
  args: unknown,
  attempt: number,
  log: Logger,
  deps: RecordDeps,
): Promise<Outcome> {
  const def = task.definition;
  if (def.rateLimit) {
    let slot: Slot;
    try {
      const key = def.rateLimitKey ? String(def.rateLimitKey(args)) : '*';
      slot = await acquireSlot(deps.client, def.name, key, def.rateLimit);
    } catch (err) {
      log.error('rate limiter unreachable; message returned for retry', { error: String(err) });
      return FAIL;
    }
    if (!slot.ok) {
      const waitMs = slot.retryAtMs - deps.client.now() + Math.round(deps.random() * 250);
      log.info('rate limited: deferred to the next window', { waitMs });
      return defer(env, attempt, Math.max(1_000, waitMs));
    }
  }
  // Run-once tasks, and cron firings (keyed on their scheduled time), run at most once per id.
  const once = def.runOnce || env.beat !== undefined;
  if (once) {
    let claim: Claim;
    try {
      claim = await claimRun(deps.client, env.id, deps.deadline, def.resultTtlMs);
    } catch (err) {
      log.error('run-once claim failed; message returned for retry', { error: String(err) });
      return FAIL;
    }
    if (claim.kind === 'completed') {
      log.info('run-once: this id already ran; duplicate delivery not run');
      return ACK;
    }
    if (claim.kind === 'in-progress') {
      log.info('run-once: this id is running elsewhere; deferred until its claim expires');
      return defer(env, attempt, Math.max(1_000, claim.untilMs - deps.client.now()));
    }
  }
  const startedAt = deps.client.now();
  if (def.trackStarted) {
    const recorded = await record_(
      deps,
      transition(env, task, attempt, { state: TaskState.STARTED, startedAt }),
    );
    if (!recorded) return FAIL;
  }
  const limitMs = Math.max(0, Math.min(def.timeoutMs ?? Number.POSITIVE_INFINITY, deps.deadline - startedAt));
  const controller = new AbortController();
  const unwatch = deps.running?.add(env.id, env.root, controller);
  let result: unknown;
  try {
    result = await withTimeLimit(
      limitMs,
      (signal) => {
        const ctx: TaskContext = {
          id: env.id,
          name: env.task,
          attempt,
          maxAttempts: env.maxAttempts ?? def.retry.maxAttempts,
          queue: env.queue,
          rootId: env.root,
          parentId: env.parent,
          tags: env.tags ?? [],
          signal,
          remainingMs: () => Math.max(0, startedAt + limitMs - deps.client.now()),
          log,
        };
        return Promise.resolve(task.run(args, ctx));
      },
      controller,
    );
  } catch (err) {
    if (once) await releaseRun(deps.client, env.id).catch(() => undefined);
    if (err instanceof TaskRevoked) {
      log.info('running task revoked: aborted, not retried');
      return ACK;
    }
    return onError(err, env, task, attempt, startedAt, log, deps);
  } finally {
    unwatch?.();
  }
  const finishedAt = deps.client.now();
  if (result === undefined) result = null;
  if (once) {
    try {
      await completeRun(deps.client, env.id, toJsonValue(result));
    } catch (err) {
      log.error('run-once completion not recorded; message returned for retry', { error: String(err) });
      return FAIL;
    }
  }
  if (hasContinuation(env)) {
    try {
      toJson(result, `task "${def.name}" result`);
      await continueOnSuccess(deps.client, env, result as Json, deps.context.awsRequestId);
    } catch (err) {
      if (!(err instanceof CeleriacError) || err.code === 'SEND_FAILED') {
        log.error('workflow continuation failed; message returned for retry', { error: String(err) });
        return FAIL;
      }
      // The next step cannot be built from this result (not JSON, bad partial input): a bug, not retried.
      const error = serializeError(err);
      log.error('workflow continuation rejected the result', { error: error.message });
      if (!(await continueFailure(deps, env, error, log))) return FAIL;
      const recorded = await record_(
        deps,
        transition(env, task, attempt, { state: TaskState.FAILURE, error, startedAt, finishedAt }),
      );
      return recorded ? { kind: 'dead-letter', error } : FAIL;
    }
  }
  if (def.resultMode === ResultMode.ALWAYS) {
    let written: boolean;
    try {
      written = await record_(
        deps,
        {
          ...transition(env, task, attempt, {
            state: TaskState.SUCCESS,
            startedAt,
            finishedAt,
            result: result as Json,
          }),
          // First attempt with nothing written before: create the item with one PutItem.
          fresh: attempt === 1 && !def.trackStarted,
        },
        true,
      );
    } catch (err) {
      // The result is not JSON: a bug in the task, not worth retrying.
      const error = serializeError(err);
      log.error('result is not JSON', { error: error.message });
      const recorded = await record_(
        deps,
        transition(env, task, attempt, { state: TaskState.FAILURE, error, startedAt, finishedAt }),
      );
      return recorded ? { kind: 'dead-letter', error } : FAIL;
    }
    if (!written) return FAIL;
  }
  log.info('task succeeded', { runtimeMs: finishedAt - startedAt });
  return ACK;
}

async function onError(
  err: unknown,
  env: Envelope,
  task: Task,
  attempt: number,
  startedAt: number,
  log: Logger,
  deps: RecordDeps,
): Promise<Outcome> {
  const def = task.definition;
  const finishedAt = deps.client.now();
  const error = serializeError(err);
  const retriable = isRetry(err) || (!isNonRetriable(err) && def.retry.retryOn(err));
  if (retriable && attempt < (env.maxAttempts ?? def.retry.maxAttempts)) {
    const delayMs = isRetry(err) ? err.afterMs : backoffDelayMs(def.retry, attempt, deps.random);
    log.warn('task failed, will retry', { errorType: error.type, error: error.message, retryInMs: delayMs });
    const recorded = await record_(
      deps,
      transition(env, task, attempt, {
        state: TaskState.RETRY,
        error,
        startedAt,
        finishedAt,
        retryInMs: delayMs,
      }),
    );
    return recorded ? { kind: 'retry', delayMs } : FAIL;
  }
  log.error(retriable ? 'task failed, attempts exhausted' : 'task failed, not retriable', {
    errorType: error.type,
    error: error.message,
  });
  if (!(await continueFailure(deps, env, error, log))) return FAIL;
  const recorded = await record_(
    deps,
    transition(env, task, attempt, { state: TaskState.FAILURE, error, startedAt, finishedAt }),
  );
  return recorded ? { kind: 'dead-letter', error } : FAIL;
}

type Extra = Partial<
  Pick<Transition, 'state' | 'error' | 'startedAt' | 'finishedAt' | 'result' | 'retryInMs'>
> & {
  state: Transition['state'];
};

function base(env: Envelope, attempt: number, extra: Extra): Transition {
  return {
    id: env.id,
    task: env.task,
    queue: env.queue,
    attempt,
    rootId: env.root,
    ...(env.parent ? { parentId: env.parent } : {}),
    tags: env.tags ?? [],
    ttlMs: Defaults.RESULT_TTL_MS,
    enqueuedAt: env.beat && env.enqueuedAt === 0 ? Date.parse(env.beat.at) || 0 : env.enqueuedAt,
    workflow: env.workflow === true || env.root !== env.id,
    ...(env.chord && !env.chain?.length ? { chordId: env.chord.id } : {}),
    ...(env.joinOf ? { joinOf: env.joinOf } : {}),
    ...extra,
  };
}

/** Run a failed task's workflow consequences; false when they could not be sent (retry later). */
async function continueFailure(deps: RecordDeps, env: Envelope, error: SerializedError, log: Logger) {
  if (!hasContinuation(env)) return true;
  try {
    await continueOnFailure(deps.client, env, error);
    return true;
  } catch (err) {
    log.error('workflow failure handling failed; message returned for retry', { error: String(err) });
    return false;
  }
}

function transition(env: Envelope, task: Task, attempt: number, extra: Extra): Transition {
  const def = task.definition;
  return {
    ...base(env, attempt, extra),
    ttlMs: def.resultTtlMs,
    ...(def.storeArgs ? { args: env.args } : {}),
  };
}

const STORED_BY_MODE: Record<ResultMode, (state: TaskState) => boolean> = {
  always: () => true,
  errors: (state) => state !== TaskState.SUCCESS,
  never: () => false,
};

/**
 * Write a transition if the task's result mode stores it. Returns false when the store could
 * not be reached (the caller reports the record as failed so it is retried). A write refused
 * because the task already finished (a duplicate) counts as done. With `throwOnNonJson`, a
 * result that is not JSON throws instead.
 */
async function record_(deps: RecordDeps, t: Transition, throwOnNonJson = false): Promise<boolean> {
  const mode = deps.registry.get(t.task)?.definition.resultMode ?? ResultMode.ALWAYS;
  if (t.result !== undefined && throwOnNonJson) {
    toJson(t.result, `task "${t.task}" result`);
  }
  if (!STORED_BY_MODE[mode](t.state)) return true;
  const carry = t.state === TaskState.SUCCESS ? await deps.successSummary?.(t) : undefined;
  let settled = { written: false, carried: false };
  try {
    const out = await deps.client.results.write({
      ...t,
      requestId: deps.context.awsRequestId,
      ...(carry?.summary ? { summary: carry.summary } : {}),
    });
    settled = { written: out.written, carried: out.written && out.carried === true };
    if (!out.written)
      deps.log.info('state not recorded: task already final', { taskId: t.id, current: out.current ?? null });
    return true;
  } catch (err) {
    if (err instanceof CeleriacError) throw err;
    deps.log.error('results store write failed', { taskId: t.id, error: String(err) });
    return false;
  } finally {
    carry?.settle(settled);
  }
}

/** A result as JSON for the run-once record (a non-JSON result is stored as null; it fails later). */
function toJsonValue(result: unknown): Json {
  try {
    toJson(result, 'result');
    return result as Json;
  } catch {
    return null;
  }
}

/**
 * Defer without spending an attempt: the copy's envelope says how many attempts were spent
 * before this delivery (`spent`), and the attempt number is `spent + ApproximateReceiveCount`.
 */
export function defer(env: Envelope, attempt: number, delayMs: number): Outcome {
  return { kind: 'defer', delayMs, body: encodeEnvelope({ ...env, spent: attempt - 1 }) };
}
