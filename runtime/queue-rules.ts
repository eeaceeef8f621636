import { Defaults, Limits, SettingLimits } from './constants.js';

/** A queue's settings as the rules see them: the plan's names, in seconds, MB and counts. */
export interface QueueShape {
  readonly workerTimeoutSeconds: number;
  readonly memoryMb: number;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maxConcurrency: number;
  readonly reservedConcurrency: number;
  readonly retentionSeconds: number;
  readonly maxReceiveCount?: number | undefined;
  readonly visibilityTimeoutSeconds?: number;
  readonly dlqRetentionSeconds?: number;
  readonly maxMessageBytes?: number;
}

/** One setting that breaks a rule: which, its value, and the rule in words. */
export interface QueueProblem {
  readonly setting: keyof QueueShape;
  readonly value: unknown;
  /** E.g. `must be an integer from 1 to 10000 (SQS event source batch size)`. */
  readonly rule: string;
}

/** Whether a value is known now (CDK tokens are not, until deploy). */
export type IsKnown = (value: unknown) => boolean;

/** Most reserved concurrency a worker may ask for (a regional account quota is far below). */
const MAX_RESERVED_CONCURRENCY = 10_000;

/** The rule helpers over one queue shape, collecting problems in the order they are checked. */
function checker(q: QueueShape, known: IsKnown) {
  const problems: QueueProblem[] = [];
  const range = (setting: keyof QueueShape, min: number, max: number, what: string) => {
    const value = q[setting];
    if (value === undefined || !known(value)) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push({ setting, value, rule: `must be an integer from ${min} to ${max} (${what})` });
    }
  };
  const all = (...values: unknown[]) => values.every((v) => typeof v === 'number' && known(v));
  return { problems, range, all };
}

/**
 * The rules on what a queue definition sets (Lambda's limits, the SQS event source's, SQS
 * retention and redrive, reserved ≥ maximum concurrency): what `defineQueue` checks. The
 * settings only a plan carries are {@link planSettingProblems}'s.
 *
 * @example
 * ```ts
 * queueSettingProblems({ ...settings, batchSize: 0 })[0]?.setting; // 'batchSize'
 * ```
 */
export function queueSettingProblems(q: QueueShape, known: IsKnown = () => true): QueueProblem[] {
  const { problems, range, all } = checker(q, known);
  range(
    'workerTimeoutSeconds',
    1,
    SettingLimits.LAMBDA_MAX_TIMEOUT_SECONDS,
    "Lambda's maximum function timeout",
  );
  range('memoryMb', SettingLimits.LAMBDA_MIN_MEMORY_MB, SettingLimits.LAMBDA_MAX_MEMORY_MB, 'Lambda memory');
  range('batchSize', 1, SettingLimits.ESM_MAX_BATCH_SIZE, 'SQS event source batch size');
  range(
    'batchingWindowSeconds',
    0,
    SettingLimits.ESM_MAX_BATCHING_WINDOW_SECONDS,
    'SQS event source maximum batching window',
  );
  if (
    all(q.batchSize, q.batchingWindowSeconds) &&
    q.batchSize > SettingLimits.ESM_MAX_BATCH_SIZE_WITHOUT_WINDOW &&
    q.batchingWindowSeconds < 1
  ) {
    problems.push({
      setting: 'batchSize',
      value: q.batchSize,
      rule: `above ${SettingLimits.ESM_MAX_BATCH_SIZE_WITHOUT_WINDOW} needs batchingWindowSeconds ≥ 1 (it is ${q.batchingWindowSeconds})`,
    });
  }
  range(
    'maxConcurrency',
    SettingLimits.ESM_MIN_MAX_CONCURRENCY,
    SettingLimits.ESM_MAX_MAX_CONCURRENCY,
    'SQS event source maximum concurrency',
  );
  range('reservedConcurrency', 1, MAX_RESERVED_CONCURRENCY, 'Lambda reserved concurrency');
  if (all(q.reservedConcurrency, q.maxConcurrency) && q.reservedConcurrency < q.maxConcurrency) {
    problems.push({
      setting: 'reservedConcurrency',
      value: q.reservedConcurrency,
      rule: `must be at least maxConcurrency (${q.maxConcurrency}); less makes throttled batches burn receives toward the DLQ`,
    });
  }
  range(
    'retentionSeconds',
    SettingLimits.SQS_MIN_RETENTION_SECONDS,
    Limits.SQS_MAX_RETENTION_SECONDS,
    'SQS retention',
  );
  range('maxReceiveCount', 1, SettingLimits.SQS_MAX_RECEIVE_COUNT, 'SQS redrive policy');
  return problems;
}

/**
 * The rules on the settings a plan derives (visibility ≥ 6 × timeout + window, a DLQ that
 * outlives its source, SQS's message size): never set by a queue definition, so checked on the
 * plan only (by the CDK construct, through {@link queueProblems}).
 *
 * @example
 * ```ts
 * planSettingProblems({ ...queuePlan, visibilityTimeoutSeconds: 1 })[0]?.setting; // 'visibilityTimeoutSeconds'
 * ```
 */
export function planSettingProblems(q: QueueShape, known: IsKnown = () => true): QueueProblem[] {
  const { problems, range, all } = checker(q, known);
  if (
    q.visibilityTimeoutSeconds !== undefined &&
    all(q.visibilityTimeoutSeconds, q.workerTimeoutSeconds, q.batchingWindowSeconds)
  ) {
    const least = Defaults.VISIBILITY_MULTIPLIER * q.workerTimeoutSeconds + q.batchingWindowSeconds;
    if (q.visibilityTimeoutSeconds < least) {
      problems.push({
        setting: 'visibilityTimeoutSeconds',
        value: q.visibilityTimeoutSeconds,
        rule: `too short, must be ≥ ${Defaults.VISIBILITY_MULTIPLIER} × workerTimeoutSeconds (${q.workerTimeoutSeconds}) + batchingWindowSeconds (${q.batchingWindowSeconds}) = ${least} s`,
      });
    }
  }
  range('visibilityTimeoutSeconds', 0, Limits.SQS_MAX_VISIBILITY_SECONDS, 'SQS visibility timeout');
  range(
    'dlqRetentionSeconds',
    SettingLimits.SQS_MIN_RETENTION_SECONDS,
    Limits.SQS_MAX_RETENTION_SECONDS,
    'SQS retention',
  );
  if (
    q.dlqRetentionSeconds !== undefined &&
    all(q.dlqRetentionSeconds, q.retentionSeconds) &&
    q.dlqRetentionSeconds <= q.retentionSeconds
  ) {
    problems.push({
      setting: 'dlqRetentionSeconds',
      value: q.dlqRetentionSeconds,
      rule: `must be longer than retentionSeconds (${q.retentionSeconds}); a dead letter keeps its original enqueue time`,
    });
  }
  range(
    'maxMessageBytes',
    SettingLimits.SQS_MIN_MESSAGE_BYTES,
    Limits.SQS_MAX_MESSAGE_BYTES,
    'SQS maximum message size',
  );
  return problems;
}

/**
 * Every rule a queue's settings must keep: AWS's limits (Lambda, the SQS event source, SQS)
 * and Celeriac's invariants (reserved ≥ maximum concurrency, visibility ≥ 6 × timeout + window,
 * a DLQ that outlives its source). The one place these rules live: `defineQueue` throws the
 * first problem of those a definition sets ({@link queueSettingProblems}), the CDK construct
 * lists them all at synth time (skipping deploy-time tokens).
 *
 * @example
 * ```ts
 * queueProblems({ ...settings, batchSize: 0 })[0]?.rule; // 'must be an integer from 1 to 10000 (…)'
 * ```
 */
export function queueProblems(q: QueueShape, known: IsKnown = () => true): QueueProblem[] {
  return [...queueSettingProblems(q, known), ...planSettingProblems(q, known)];
}

/**
 * One problem as a sentence: `queue "default" batchSize = 0: must be an integer from 1 to …`.
 *
 * @example
 * ```ts
 * describeQueueProblem('queue "default"', problem, 'timeout (s)');
 * ```
 */
export function describeQueueProblem(
  at: string,
  problem: QueueProblem,
  label: string = problem.setting,
): string {
  const value = typeof problem.value === 'string' ? JSON.stringify(problem.value) : String(problem.value);
  return `${at} ${label} = ${value}: ${problem.rule}`;
}
