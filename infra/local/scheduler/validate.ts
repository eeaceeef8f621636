import { nextFiring } from './expression.js';

/** Scheduler's limits on a CreateSchedule / UpdateSchedule request, from its API model. */
export const SchedulerRules = {
  /** Schedule and group names. */
  NAME: /^[0-9a-zA-Z_.-]{1,64}$/,
  /** ClientToken: no `.`, unlike names. */
  CLIENT_TOKEN: /^[a-zA-Z0-9_-]{1,64}$/,
  EXPRESSION_MAX_CHARS: 256,
  DESCRIPTION_MAX_CHARS: 512,
  /** Target Input. */
  INPUT_MAX_BYTES: 262_144,
  ARN_MAX_CHARS: 1_600,
  ROLE_ARN: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
  SQS_ARN: /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]+$/,
  MAX_RETRY_ATTEMPTS: 185,
  MIN_EVENT_AGE_SECONDS: 60,
  MAX_EVENT_AGE_SECONDS: 86_400,
  MAX_WINDOW_MINUTES: 1_440,
} as const;

const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;

/**
 * The first reason Scheduler would refuse this CreateSchedule / UpdateSchedule (as its
 * `ValidationException` message), or `undefined` when it would accept it. Checks what the API
 * model and the service check: name, group and ClientToken patterns, the expression (an `at()`
 * must be in the future, a `cron()` must have 6 fields with one of the day fields `?`), the
 * time zone, the target's ARNs, the Input's size, the retry policy's ranges and the flexible
 * window.
 *
 * @example
 * ```ts
 * scheduleProblem('t-order.42', body, Date.now()); // undefined, or 'ClientToken …'
 * ```
 */
export function scheduleProblem(
  name: string,
  body: Record<string, unknown>,
  now: number,
): string | undefined {
  if (!SchedulerRules.NAME.test(name)) {
    return `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+ and have length between 1 and 64`;
  }
  const group = body.GroupName;
  if (group !== undefined && (typeof group !== 'string' || !SchedulerRules.NAME.test(group))) {
    return `Value '${String(group)}' at 'groupName' failed to satisfy constraint: pattern [0-9a-zA-Z-_.]+, length 1-64`;
  }
  const token = body.ClientToken;
  if (token !== undefined && (typeof token !== 'string' || !SchedulerRules.CLIENT_TOKEN.test(token))) {
    return `Value '${String(token)}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ and have length between 1 and 64`;
  }
  const expression = body.ScheduleExpression;
  if (typeof expression !== 'string' || !body.Target || !body.FlexibleTimeWindow) {
    return 'ScheduleExpression, Target and FlexibleTimeWindow are required';
  }
  const timezone = body.ScheduleExpressionTimezone;
  if (timezone !== undefined && (typeof timezone !== 'string' || !validTimezone(timezone))) {
    return `Invalid time zone ${String(timezone)}`;
  }
  const expressionProblem = checkExpression(expression, timezone as string | undefined, now);
  if (expressionProblem) return expressionProblem;
  if (
    typeof body.Description === 'string' &&
    body.Description.length > SchedulerRules.DESCRIPTION_MAX_CHARS
  ) {
    return `Description is longer than ${SchedulerRules.DESCRIPTION_MAX_CHARS} characters`;
  }
  if (body.State !== undefined && body.State !== 'ENABLED' && body.State !== 'DISABLED') {
    return `State must be ENABLED or DISABLED, got ${String(body.State)}`;
  }
  if (
    body.ActionAfterCompletion !== undefined &&
    body.ActionAfterCompletion !== 'NONE' &&
    body.ActionAfterCompletion !== 'DELETE'
  ) {
    return `ActionAfterCompletion must be NONE or DELETE, got ${String(body.ActionAfterCompletion)}`;
  }
  return windowProblem(body.FlexibleTimeWindow as Record<string, unknown>) ?? targetProblem(body.Target);
}

function checkExpression(expression: string, timezone: string | undefined, now: number): string | undefined {
  if (expression.length > SchedulerRules.EXPRESSION_MAX_CHARS)
    return `Invalid Schedule Expression ${expression}`;
  const at = AT.exec(expression);
  if (at) {
    if (Number.isNaN(Date.parse(`${at[1]}Z`))) return `Invalid Schedule Expression ${expression}`;
    const when = nextFiring(expression, timezone, Number.NEGATIVE_INFINITY, now);
    if (when === undefined || when < now) {
      return `Invalid Schedule Expression ${expression}: a one-time schedule cannot be in the past`;
    }
    return undefined;
  }
  const rate = RATE.exec(expression);
  if (rate) return Number(rate[1]) >= 1 ? undefined : `Invalid Schedule Expression ${expression}`;
  if (/^cron\(.+\)$/.test(expression)) {
    try {
      nextFiring(expression, timezone, now, now);
      return undefined;
    } catch (err) {
      return `Invalid Schedule Expression ${expression}: ${(err as Error).message}`;
    }
  }
  return `Invalid Schedule Expression ${expression}`;
}

function windowProblem(window: Record<string, unknown>): string | undefined {
  if (window.Mode === 'OFF') return undefined;
  if (window.Mode !== 'FLEXIBLE')
    return `FlexibleTimeWindow.Mode must be OFF or FLEXIBLE, got ${String(window.Mode)}`;
  const minutes = window.MaximumWindowInMinutes;
  return typeof minutes === 'number' &&
    Number.isInteger(minutes) &&
    minutes >= 1 &&
    minutes <= SchedulerRules.MAX_WINDOW_MINUTES
    ? undefined
    : `FlexibleTimeWindow.MaximumWindowInMinutes must be 1-${SchedulerRules.MAX_WINDOW_MINUTES} when Mode is FLEXIBLE`;
}

function targetProblem(raw: unknown): string | undefined {
  const target = raw as Record<string, unknown>;
  if (
    typeof target.Arn !== 'string' ||
    target.Arn.length < 1 ||
    target.Arn.length > SchedulerRules.ARN_MAX_CHARS
  ) {
    return 'Target.Arn is required (1-1600 characters)';
  }
  if (typeof target.RoleArn !== 'string' || !SchedulerRules.ROLE_ARN.test(target.RoleArn)) {
    return `Target.RoleArn ${String(target.RoleArn)} is not an IAM role ARN`;
  }
  if (target.Input !== undefined) {
    if (typeof target.Input !== 'string' || target.Input.length === 0)
      return 'Target.Input must be 1 or more characters';
    const bytes = Buffer.byteLength(target.Input, 'utf8');
    if (bytes > SchedulerRules.INPUT_MAX_BYTES) {
      return `Target.Input is ${bytes} bytes; the maximum is ${SchedulerRules.INPUT_MAX_BYTES}`;
    }
  }
  const retry = target.RetryPolicy as Record<string, unknown> | undefined;
  if (retry) {
    const attempts = retry.MaximumRetryAttempts;
    if (attempts !== undefined && !intWithin(attempts, 0, SchedulerRules.MAX_RETRY_ATTEMPTS)) {
      return `RetryPolicy.MaximumRetryAttempts must be 0-${SchedulerRules.MAX_RETRY_ATTEMPTS}, got ${String(attempts)}`;
    }
    const age = retry.MaximumEventAgeInSeconds;
    if (
      age !== undefined &&
      !intWithin(age, SchedulerRules.MIN_EVENT_AGE_SECONDS, SchedulerRules.MAX_EVENT_AGE_SECONDS)
    ) {
      return `RetryPolicy.MaximumEventAgeInSeconds must be ${SchedulerRules.MIN_EVENT_AGE_SECONDS}-${SchedulerRules.MAX_EVENT_AGE_SECONDS}, got ${String(age)}`;
    }
  }
  const dlq = (target.DeadLetterConfig as Record<string, unknown> | undefined)?.Arn;
  if (dlq !== undefined && (typeof dlq !== 'string' || !SchedulerRules.SQS_ARN.test(dlq))) {
    return `DeadLetterConfig.Arn ${String(dlq)} is not an SQS queue ARN`;
  }
  return undefined;
}

function intWithin(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
