import { TaskState } from '../constants.js';
import { type DecodeResult, decodeEnvelope } from '../envelope.js';
import { type Json, toJson } from '../json.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../registry.js';
import { safeString, serializeError } from '../results/record.js';
import { validateArgs } from '../validate.js';
import { type ApplyDeps, applyDecision } from './apply.js';
import { checkRecord, type Runnable, receiveCountOf } from './checks.js';
import type { Decision } from './decision.js';
import { executeTask } from './execute.js';
import { claimGate, type Gate, rateLimitGate } from './gates.js';
import { FAIL, type Outcome } from './outcome.js';
import type { RunningTasks } from './revoke-watch.js';
import { taskTransition } from './transitions.js';
import type { SqsRecord } from './types.js';
import { failedForGood, verdict } from './verdicts.js';

/** What the per-record step needs from the batch. */
export interface RecordDeps extends ApplyDeps {
  readonly registry: Registry;
  readonly now: () => number;
  /** Epoch ms by which every attempt must have ended (Lambda deadline minus a margin). */
  readonly deadline: number;
  readonly random: () => number;
  /** Receives after which SQS dead-letters a message of a queue (by logical queue name). */
  readonly receiveBudget: (queue: string) => number;
  /** The invocation's running tasks, watched for revocation. */
  readonly running?: RunningTasks;
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

/**
 * Handle one record: the checks, the gates (rate limit, run-once claim), the run, the verdict,
 * each decided by a pure function and applied by {@link applyDecision}. Returns what to do with
 * the message. Store outages become `fail` (the message is retried, nothing lost).
 *
 * @example
 * ```ts
 * const outcome = await runRecord(decodeRecord(record), revoked, deps);
 * ```
 */
export async function runRecord(
  item: Decoded,
  revoked: ReadonlySet<string>,
  deps: RecordDeps,
): Promise<Outcome> {
  const receiveCount = receiveCountOf(item.record);
  let deadLettered = false;
  if (receiveCount > 1) {
    // Only a redelivery can follow a dead-letter copy: one read, on redeliveries only.
    try {
      deadLettered = await deps.store.wasDeadLettered(item.record.messageId);
    } catch (err) {
      deps.log.error('results store unreachable; message returned for retry', { error: safeString(err) });
      return FAIL;
    }
  }
  const checked = checkRecord({
    decoded: item.decoded,
    receiveCount,
    revoked,
    now: deps.now(),
    lookup: (name) => deps.registry.get(name),
    deadLettered,
  });
  if (checked.kind !== 'run') {
    logCheck(deps.log, item, checked);
    return applyDecision(checked, deps);
  }
  const { env, task, attempt } = checked;
  const log = deps.log.child({ taskId: env.id, task: env.task, attempt, queue: env.queue });
  const scoped = { ...deps, log };
  let args: unknown;
  try {
    args = await validateArgs(task.definition.schema, env.args, `task "${task.name}"`);
  } catch (err) {
    const error = serializeError(err);
    log.error('invalid arguments', { error: error.message });
    return applyDecision(failedForGood(checked, error, { finishedAt: deps.now() }), scoped);
  }
  const gate = await passGates(checked, args, scoped);
  if (gate === undefined) return FAIL;
  if (gate.kind !== 'proceed') return applyDecision(gate, scoped);
  const once = isRunOnce(checked);
  if (task.definition.trackStarted) {
    const started = await applyStarted(checked, scoped);
    if (started) return started;
  }
  const execution = await executeTask(checked, {
    args,
    deadline: deps.deadline,
    now: deps.now,
    log,
    ...(deps.running ? { running: deps.running } : {}),
  });
  const decision = verdict(checked, execution, {
    receiveCount,
    receiveBudget: deps.receiveBudget(env.queue),
    random: deps.random,
    now: deps.now(),
  });
  if (once) {
    // The claim keeps a result only a success may hand to later deliveries; otherwise it is
    // released so the retry may run.
    if (decision.kind === 'succeed') {
      if (!(await completeClaim(checked, decision.result, scoped))) return FAIL;
    } else await deps.store.releaseRun(env.id).catch(() => undefined);
  }
  logVerdict(log, decision, execution);
  return applyDecision(decision, scoped);
}

/** Run-once tasks, and cron firings (keyed on their scheduled time), run at most once per id. */
function isRunOnce(run: Runnable): boolean {
  return run.task.definition.runOnce || run.env.beat !== undefined;
}

/** The rate limit, then the run-once claim. `undefined` when the store could not be reached. */
async function passGates(run: Runnable, args: unknown, deps: RecordDeps): Promise<Gate | undefined> {
  const def = run.task.definition;
  if (def.rateLimit) {
    try {
      const key = def.rateLimitKey ? safeString(def.rateLimitKey(args), 200) : '*';
      const slot = await deps.store.acquireSlot(def.name, key, def.rateLimit);
      const gate = rateLimitGate(run, slot, deps.now(), Math.round(deps.random() * 250));
      if (gate.kind !== 'proceed') {
        deps.log.info('rate limited: deferred to the next window');
        return gate;
      }
    } catch (err) {
      deps.log.error('rate limiter unreachable; message returned for retry', { error: safeString(err) });
      return undefined;
    }
  }
  if (isRunOnce(run)) {
    try {
      const claim = await deps.store.claimRun(run.env.id, deps.deadline, def.resultTtlMs);
      if (claim.kind !== 'claimed') deps.log.info(`run-once: claim ${claim.kind}; not run again`);
      return claimGate(run, claim, deps.now());
    } catch (err) {
      deps.log.error('run-once claim failed; message returned for retry', { error: safeString(err) });
      return undefined;
    }
  }
  return { kind: 'proceed' };
}

/** Write STARTED; returns an outcome only when that failed. */
async function applyStarted(run: Runnable, deps: RecordDeps): Promise<Outcome | undefined> {
  const outcome = await applyDecision(
    {
      kind: 'ack',
      why: 'started',
      record: taskTransition(run.env, run.task.definition, run.attempt, {
        state: TaskState.STARTED,
        startedAt: deps.now(),
      }),
    },
    deps,
  );
  return outcome.kind === 'ack' ? undefined : outcome;
}

/** Mark the run-once claim COMPLETED; false when the store could not be reached. */
async function completeClaim(run: Runnable, result: Json, deps: RecordDeps): Promise<boolean> {
  try {
    await deps.store.completeRun(run.env.id, storable(result));
    return true;
  } catch (err) {
    deps.log.error('run-once completion not recorded; message returned for retry', {
      error: safeString(err),
    });
    return false;
  }
}

/** The result kept on the claim: a value that is not JSON (not stored, not passed on) is kept as null. */
function storable(result: Json): Json {
  try {
    toJson(result, 'result');
    return result;
  } catch {
    return null;
  }
}

function logCheck(log: Logger, item: Decoded, decision: Decision): void {
  const { decoded, record } = item;
  const fields = decoded.ok
    ? { messageId: record.messageId, taskId: decoded.envelope.id, task: decoded.envelope.task }
    : { messageId: record.messageId, taskId: decoded.id, task: decoded.task?.slice(0, 128) };
  if (decision.kind === 'dead-letter')
    log.error('message rejected', { ...fields, reason: decision.error.message });
  else if (decision.kind === 'ack') log.info(`task not run: ${decision.why}`, fields);
}

function logVerdict(log: Logger, decision: Decision, execution: { kind: string }): void {
  switch (decision.kind) {
    case 'succeed':
      log.info('task succeeded');
      return;
    case 'retry':
      log.warn('task failed, will retry', { retryInMs: decision.delayMs, copy: decision.copy !== undefined });
      return;
    case 'dead-letter':
      log.error(execution.kind === 'returned' ? 'result rejected' : 'task failed for good', {
        errorType: decision.error.type,
        error: decision.error.message,
      });
      return;
    case 'ack':
      log.info(`task ${decision.why}`);
      return;
  }
}
