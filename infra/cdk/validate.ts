import { type Duration, Token } from 'aws-cdk-lib';
import { clientConfigFor } from '../../runtime/client-config.js';
import { CONFIG_ENV } from '../../runtime/config.js';
import { SettingLimits as L } from '../../runtime/constants.js';
import type { QueuePlan, ResourcePlan } from '../../runtime/plan.js';
import { describeQueueProblem, queueProblems } from '../../runtime/queue-rules.js';

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

function checkQueue(q: QueuePlan, problems: string[]): void {
  for (const problem of queueProblems(q, known))
    problems.push(describeQueueProblem(`queue "${q.name}"`, problem));
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
  const arn = 'arn:aws:iam::123456789012:role/';
  const config = clientConfigFor(plan, {
    region: 'ap-southeast-5',
    queueUrls: (q) => ({ url: URL_BASE + q.queueName, dlqUrl: URL_BASE + q.dlqName }),
    scheduler: { roleArn: `${arn}${'x'.repeat(64)}`, dlqArn: `${arn}${'x'.repeat(80)}` },
  });
  return Buffer.byteLength(`${CONFIG_ENV}${JSON.stringify(config)}`, 'utf8');
}

/**
 * Check the plan and props against AWS's limits and Celeriac's invariants. Returns one line
 * per problem, naming the setting, its value and the rule; empty when all is well. Values that
 * are tokens (known only at deploy time) are skipped.
 *
 * @example
 * ```ts
 * const problems = validateRuntime(planOf(registry));
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
