import { type Duration, Token } from 'aws-cdk-lib';
import type { QueuePlan, ResourcePlan } from '../../runtime/plan.js';
import { routesOf } from '../../runtime/routes.js';
import { AwsLimits as L } from './constants.js';

/** What {@link validateRuntime} checks besides the plan. */
export interface RuntimeCheckOptions {
  readonly oldestMessageAgeThreshold?: Duration;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** A generous URL for the environment-size estimate: longest region, 12-digit account. */
const URL_BASE = 'https://sqs.ap-southeast-5.amazonaws.com/123456789012/';

/** A value known at synth time: deploy-time tokens are skipped, as CDK's own checks do. */
function known(value: unknown): value is number | string {
  return (typeof value === 'number' || typeof value === 'string') && !Token.isUnresolved(value);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function range(
  problems: string[],
  what: string,
  value: number,
  min: number,
  max: number,
  rule: string,
): void {
  if (!known(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${what} = ${show(value)}: must be an integer from ${min} to ${max} (${rule})`);
  }
}

function checkQueue(q: QueuePlan, problems: string[]): void {
  const at = `queue "${q.name}"`;
  if (known(q.workerTimeoutSeconds) && q.workerTimeoutSeconds > L.LAMBDA_MAX_TIMEOUT_SECONDS) {
    problems.push(
      `${at} workerTimeoutSeconds = ${q.workerTimeoutSeconds}: must be at most ${L.LAMBDA_MAX_TIMEOUT_SECONDS} s (Lambda's maximum function timeout)`,
    );
  } else {
    range(
      problems,
      `${at} workerTimeoutSeconds`,
      q.workerTimeoutSeconds,
      1,
      L.LAMBDA_MAX_TIMEOUT_SECONDS,
      'Lambda function timeout',
    );
  }
  range(
    problems,
    `${at} memoryMb`,
    q.memoryMb,
    L.LAMBDA_MIN_MEMORY_MB,
    L.LAMBDA_MAX_MEMORY_MB,
    'Lambda memory',
  );
  range(problems, `${at} batchSize`, q.batchSize, 1, L.ESM_MAX_BATCH_SIZE, 'SQS event source batch size');
  range(
    problems,
    `${at} batchingWindowSeconds`,
    q.batchingWindowSeconds,
    0,
    L.ESM_MAX_BATCHING_WINDOW_SECONDS,
    'SQS event source maximum batching window',
  );
  if (
    known(q.batchSize) &&
    known(q.batchingWindowSeconds) &&
    q.batchSize > L.ESM_MAX_BATCH_SIZE_WITHOUT_WINDOW &&
    q.batchingWindowSeconds < 1
  ) {
    problems.push(
      `${at} batchSize = ${q.batchSize}: above ${L.ESM_MAX_BATCH_SIZE_WITHOUT_WINDOW} needs batchingWindowSeconds ≥ 1 (it is ${q.batchingWindowSeconds})`,
    );
  }
  range(
    problems,
    `${at} maxConcurrency`,
    q.maxConcurrency,
    L.ESM_MIN_MAX_CONCURRENCY,
    L.ESM_MAX_MAX_CONCURRENCY,
    'SQS event source maximum concurrency',
  );
  if (known(q.reservedConcurrency) && known(q.maxConcurrency) && q.reservedConcurrency < q.maxConcurrency) {
    problems.push(
      `${at} maxConcurrency = ${q.maxConcurrency}: must not exceed reservedConcurrency (${q.reservedConcurrency}), or throttled batches burn receives toward the DLQ`,
    );
  }
  if (known(q.visibilityTimeoutSeconds) && known(q.workerTimeoutSeconds) && known(q.batchingWindowSeconds)) {
    const least = L.VISIBILITY_MULTIPLIER * q.workerTimeoutSeconds + q.batchingWindowSeconds;
    if (q.visibilityTimeoutSeconds < least) {
      problems.push(
        `${at} visibilityTimeoutSeconds = ${q.visibilityTimeoutSeconds}: too short, must be ≥ ${L.VISIBILITY_MULTIPLIER} × workerTimeoutSeconds (${q.workerTimeoutSeconds}) + batchingWindowSeconds (${q.batchingWindowSeconds}) = ${least} s`,
      );
    }
  }
  range(
    problems,
    `${at} visibilityTimeoutSeconds`,
    q.visibilityTimeoutSeconds,
    0,
    L.SQS_MAX_VISIBILITY_SECONDS,
    'SQS visibility timeout',
  );
  range(
    problems,
    `${at} retentionSeconds`,
    q.retentionSeconds,
    L.SQS_MIN_RETENTION_SECONDS,
    L.SQS_MAX_RETENTION_SECONDS,
    'SQS retention',
  );
  range(
    problems,
    `${at} dlqRetentionSeconds`,
    q.dlqRetentionSeconds,
    L.SQS_MIN_RETENTION_SECONDS,
    L.SQS_MAX_RETENTION_SECONDS,
    'SQS retention',
  );
  if (
    known(q.dlqRetentionSeconds) &&
    known(q.retentionSeconds) &&
    q.dlqRetentionSeconds <= q.retentionSeconds
  ) {
    problems.push(
      `${at} dlqRetentionSeconds = ${q.dlqRetentionSeconds}: must be longer than retentionSeconds (${q.retentionSeconds}); a dead letter keeps its original enqueue time`,
    );
  }
  range(
    problems,
    `${at} maxMessageBytes`,
    q.maxMessageBytes,
    L.SQS_MIN_MESSAGE_BYTES,
    L.SQS_MAX_MESSAGE_BYTES,
    'SQS maximum message size',
  );
  range(problems, `${at} maxReceiveCount`, q.maxReceiveCount, 1, 1_000, 'SQS redrive policy');
}

function checkNames(plan: ResourcePlan, problems: string[]): void {
  const logical = new Map<string, number>();
  for (const q of plan.queues) logical.set(q.name, (logical.get(q.name) ?? 0) + 1);
  for (const [name, count] of logical) {
    if (count > 1)
      problems.push(`queue name "${name}" is used by ${count} queues: queue names must be unique`);
  }
  const physical = new Map<string, string[]>();
  for (const q of plan.queues) {
    for (const [name, what] of [
      [q.queueName, `queue "${q.name}"`],
      [q.dlqName, `DLQ of queue "${q.name}"`],
    ] as const) {
      if (!known(name)) continue;
      physical.set(name, [...(physical.get(name) ?? []), what]);
      if (!QUEUE_NAME.test(name)) {
        problems.push(
          `${what} physical name = ${show(name)}: must be 1-80 letters, digits, "-" or "_" (SQS queue name)`,
        );
      }
    }
  }
  for (const [name, users] of physical) {
    if (users.length > 1) {
      problems.push(
        `physical queue name "${name}" is used by ${users.join(' and ')}: SQS queue names must be unique in an account and region`,
      );
    }
  }
  if (known(plan.table.tableName) && !TABLE_NAME.test(plan.table.tableName)) {
    problems.push(
      `table name = ${show(plan.table.tableName)}: must be 3-255 letters, digits, "_", "-" or "." (DynamoDB)`,
    );
  }
}

/** A pessimistic size of the workers' `CELERIAC_CONFIG` (resolved URLs are only known at deploy). */
export function estimateConfigBytes(plan: ResourcePlan): number {
  const queues = Object.fromEntries(
    plan.queues.map((q) => [q.name, { url: URL_BASE + q.queueName, dlqUrl: URL_BASE + q.dlqName }]),
  );
  const arn = 'arn:aws:iam::123456789012:role/';
  const config = {
    region: 'ap-southeast-5',
    table: plan.table.tableName,
    queues,
    routes: routesOf(plan),
    scheduler: {
      group: `${plan.table.tableName}-schedules`,
      roleArn: `${arn}${'x'.repeat(64)}`,
      dlqArn: `${arn}${'x'.repeat(80)}`,
    },
  };
  return Buffer.byteLength(`CELERIAC_CONFIG${JSON.stringify(config)}`, 'utf8');
}

/**
 * Check the plan and props against AWS's limits and Celeriac's invariants. Returns one line
 * per problem, naming the setting, its value and the rule; empty when all is well. Values that
 * are tokens (known only at deploy time) are skipped.
 *
 * @example
 * ```ts
 * const problems = validateRuntime(registry.plan());
 * if (problems.length) throw new TaskRuntimeValidationError('Tasks', problems);
 * ```
 */
export function validateRuntime(plan: ResourcePlan, options: RuntimeCheckOptions = {}): string[] {
  const problems: string[] = [];
  if (plan.version !== 1)
    problems.push(`plan.version = ${show(plan.version)}: this construct reads plan version 1`);
  if (plan.queues.length === 0) problems.push('plan.queues = []: at least one queue is needed');
  checkNames(plan, problems);
  for (const q of plan.queues) checkQueue(q, problems);
  const age = options.oldestMessageAgeThreshold;
  if (age && !Token.isUnresolved(age.toSeconds()) && age.toSeconds() < 60) {
    problems.push(
      `oldestMessageAgeThreshold = ${age.toSeconds()} s: must be at least 60 s (one metric period)`,
    );
  }
  const bytes = estimateConfigBytes(plan);
  if (bytes > L.LAMBDA_MAX_ENVIRONMENT_BYTES) {
    problems.push(
      `CELERIAC_CONFIG ≈ ${bytes} bytes for ${plan.queues.length} queues: Lambda environment variables are limited to ${L.LAMBDA_MAX_ENVIRONMENT_BYTES} bytes in total, routes of ${plan.tasks.length} tasks included (use fewer queues or shorter names)`,
    );
  }
  return problems;
}
