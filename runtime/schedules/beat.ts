import { ErrorCode, invalid } from '../errors.js';
import { type Json, toJson } from '../json.js';
import type { Task } from '../task.js';
import { checkTimezoneShape, toSchedulerCron, toSchedulerRate } from './expression.js';

/** Options of {@link cron} and {@link rate}. */
export interface ScheduleOptions<A> {
  /** Unique name of the entry (letters, digits, "-", "_", "."). @default the task's name */
  readonly name?: string;
  /** IANA time zone the expression is read in (DST handled by Scheduler). @default 'UTC' */
  readonly timezone?: string;
  /** Arguments of every firing. @default null */
  readonly args?: A;
  /** A disabled entry is deployed but does not fire. @default true */
  readonly enabled?: boolean;
  /** Send to this queue instead of the task's own. */
  readonly queue?: string;
}

/** A periodic task, validated and translated for EventBridge Scheduler. */
export interface ScheduleEntry {
  readonly name: string;
  readonly task: Task;
  /** What was declared (`'0 9 * * MON-FRI'`, `'5 minutes'`). */
  readonly source: string;
  /** Scheduler's expression: `cron(0 9 ? * MON-FRI *)` or `rate(5 minutes)`. */
  readonly expression: string;
  readonly timezone: string;
  readonly args: Json;
  readonly enabled: boolean;
  readonly queue: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;

function entry<A>(
  source: string,
  expression: string,
  task: Task<A, unknown>,
  options: ScheduleOptions<A>,
): ScheduleEntry {
  const name = options.name ?? task.name.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (!NAME.test(name)) {
    throw invalid(ErrorCode.INVALID_SCHEDULE, 'schedule name', name, '1-48 letters, digits, "_", "." or "-"');
  }
  const args = (options.args ?? null) as Json;
  toJson(args, `schedule "${name}" args`);
  return {
    name,
    task: task as Task,
    source,
    expression,
    timezone: checkTimezoneShape(options.timezone ?? 'UTC'),
    args,
    enabled: options.enabled ?? true,
    queue: options.queue ?? task.definition.queue,
  };
}

/**
 * Declare a periodic task with a standard 5-field cron expression, for the registry's
 * `schedules`. Translated and validated at once for EventBridge Scheduler (6 fields, `?`).
 *
 * @example
 * ```ts
 * createRegistry({
 *   tasks: [report],
 *   schedules: [cron('0 9 * * MON-FRI', report, { timezone: 'Europe/Paris', args: { kind: 'daily' } })],
 * });
 * ```
 */
export function cron<A>(
  expression: string,
  task: Task<A, unknown>,
  options: ScheduleOptions<A> = {},
): ScheduleEntry {
  return entry(expression, toSchedulerCron(expression), task, options);
}

/**
 * Declare a task that runs every `n` minutes, hours or days.
 *
 * @example
 * ```ts
 * rate('5 minutes', syncInventory, { args: { full: false } });
 * ```
 */
export function rate<A>(
  every: string,
  task: Task<A, unknown>,
  options: ScheduleOptions<A> = {},
): ScheduleEntry {
  return entry(every, toSchedulerRate(every), task, options);
}

/** Scheduler's placeholder for the firing's scheduled time (ISO 8601, UTC). */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

/**
 * The envelope Scheduler sends on every firing, as a template: the task id is keyed on the
 * scheduled time (`beat-<name>-<scheduled-time>`), so a repeated delivery of one firing carries
 * the same id and runs once; each firing gets a new id.
 *
 * @example
 * ```ts
 * beatInput(entry); // '{"v":1,"id":"beat-nightly-<aws.scheduler.scheduled-time>",…}'
 * ```
 */
export function beatInput(e: ScheduleEntry, scheduledTime: string = SCHEDULED_TIME): string {
  const id = `beat-${e.name}-${scheduledTime}`;
  return JSON.stringify({
    v: 1,
    id,
    task: e.task.name,
    args: e.args,
    queue: e.queue,
    enqueuedAt: 0,
    root: id,
    beat: { schedule: e.name, at: scheduledTime },
  });
}
