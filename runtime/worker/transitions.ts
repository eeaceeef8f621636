import { Defaults, type ResultMode, TaskState } from '../constants.js';
import type { Envelope } from '../envelope.js';
import type { SerializedError } from '../results/record.js';
import type { Transition } from '../results/store.js';
import type { TaskDefinition } from '../task.js';

/** The fields of a transition that depend on what happened (the rest comes from the envelope). */
export type Happened = Pick<Transition, 'state'> &
  Partial<
    Pick<Transition, 'error' | 'startedAt' | 'finishedAt' | 'result' | 'retryInMs' | 'fresh' | 'protect'>
  >;

/** Longest task name written to the record (the by-task index key must stay under 2,048 bytes). */
export const RECORDED_NAME_MAX = 128;

/**
 * A transition for an envelope whose task is not known here (unregistered): the library's
 * default TTL, no arguments.
 *
 * @example
 * ```ts
 * envelopeTransition(env, 1, { state: 'FAILURE', error, finishedAt: now });
 * ```
 */
export function envelopeTransition(env: Envelope, attempt: number, happened: Happened): Transition {
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
    ...happened,
  };
}

/**
 * A transition for a registered task: its result TTL, and its arguments when it stores them.
 *
 * @example
 * ```ts
 * taskTransition(env, task.definition, attempt, { state: 'SUCCESS', result, finishedAt });
 * ```
 */
export function taskTransition(
  env: Envelope,
  def: TaskDefinition,
  attempt: number,
  happened: Happened,
): Transition {
  return {
    ...envelopeTransition(env, attempt, happened),
    ttlMs: def.resultTtlMs,
    ...(def.storeArgs ? { args: env.args } : {}),
  };
}

/**
 * The FAILURE of a body that is not a valid envelope but names a task id: recorded so a waiting
 * handle learns why. The task name, which may be anything, is cut to a bounded length.
 *
 * @example
 * ```ts
 * rejectedTransition('t-1', 'x'.repeat(3000), 1, now, error).task.length; // 128
 * ```
 */
export function rejectedTransition(
  id: string,
  task: string | undefined,
  attempt: number,
  now: number,
  error: SerializedError,
): Transition {
  const name = task === undefined || task === '' ? '(unreadable)' : task;
  return {
    id,
    state: TaskState.FAILURE,
    task: name.length > RECORDED_NAME_MAX ? `${name.slice(0, RECORDED_NAME_MAX - 1)}…` : name,
    queue: '(unknown)',
    attempt,
    rootId: id,
    tags: [],
    ttlMs: Defaults.RESULT_TTL_MS,
    finishedAt: now,
    error,
  };
}

const STORED_BY_MODE: Record<ResultMode, (state: TaskState) => boolean> = {
  always: () => true,
  errors: (state) => state !== TaskState.SUCCESS,
  never: () => false,
};

/**
 * Whether a task's result mode stores a state: `always` all, `errors` all but SUCCESS, `never` none.
 *
 * @example
 * ```ts
 * isStored('errors', 'SUCCESS'); // false
 * ```
 */
export function isStored(mode: ResultMode, state: TaskState): boolean {
  return STORED_BY_MODE[mode](state);
}

/**
 * The transition when the task's result mode stores its state, else `undefined`.
 *
 * @example
 * ```ts
 * ifStored(def, taskTransition(env, def, 1, { state: 'SUCCESS', result }));
 * ```
 */
export function ifStored(def: TaskDefinition, t: Transition): Transition | undefined {
  return isStored(def.resultMode, t.state) ? t : undefined;
}
