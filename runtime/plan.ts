import { Defaults, Limits } from './constants.js';
import type { QueueDefinition } from './queue.js';
import type { Registry } from './registry.js';
import { ResultsSchema } from './results/schema.js';
import type { ResultShards } from './results/shards.js';
import { beatInput } from './schedules/beat.js';
import { checkTimezone } from './schedules/expression.js';
import type { TaskDefinition } from './task.js';

/** One queue of the plan, with its DLQ and worker settings. Names are physical. */
export interface QueuePlan {
  /** Logical name, as tasks use it. */
  readonly name: string;
  readonly queueName: string;
  readonly dlqName: string;
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
  readonly dlqRetentionSeconds: number;
  readonly maxMessageBytes: number;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maxConcurrency: number;
  readonly reservedConcurrency: number;
  readonly workerTimeoutSeconds: number;
  readonly memoryMb: number;
  /** Tasks routed to this queue by default. */
  readonly tasks: readonly string[];
}

/** The results table of the plan. */
export interface TablePlan {
  readonly tableName: string;
  readonly partitionKey: string;
  readonly ttlAttribute: string;
  readonly indexes: readonly {
    name: string;
    partitionKey: string;
    sortKey: string;
    projected: readonly string[];
  }[];
  /** Shards per index key; writers (through the client config) and readers use these. */
  readonly shards: ResultShards;
}

/** A task as the plan lists it (for the API, dashboard and CLI). */
export interface TaskPlan {
  readonly name: string;
  readonly queue: string;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly resultMode: string;
  readonly hasSchema: boolean;
  /** Tags the task declares (copied onto every run, also when enqueued by name). */
  readonly tags: readonly string[];
}

/**
 * Everything to provision, as plain JSON: `infra/` turns it into CloudFormation, the local
 * stack into emulator resources. One source of truth for names and settings.
 *
 * @example
 * ```ts
 * const plan = planOf(registry);
 * plan.queues.map((q) => q.queueName); // ['celeriac-default']
 * ```
 */
export interface ResourcePlan {
  readonly version: 1;
  readonly app: string;
  readonly queues: readonly QueuePlan[];
  readonly table: TablePlan;
  readonly tasks: readonly TaskPlan[];
  /** Periodic tasks (beat): one EventBridge Scheduler schedule each, in the runtime's group. */
  readonly schedules: readonly SchedulePlan[];
  /** The EventBridge Scheduler group of cron schedules and long delays: `<prefix>-schedules`. */
  readonly scheduleGroupName: string;
}

/**
 * One periodic task of the plan, ready for a Scheduler schedule: expression already in
 * Scheduler's form, the envelope template as the target Input.
 */
export interface SchedulePlan {
  /** Logical name (as `runScheduleNow` takes it). */
  readonly name: string;
  /** Physical schedule name: `<prefix>-<name>`. */
  readonly scheduleName: string;
  readonly task: string;
  /** Logical queue the firing is sent to. */
  readonly queue: string;
  /** What was declared, e.g. `0 9 * * MON-FRI`. */
  readonly source: string;
  /** `cron(0 9 ? * MON-FRI *)` or `rate(5 minutes)`. */
  readonly expression: string;
  readonly timezone: string;
  readonly enabled: boolean;
  /** The target Input: the task envelope, its id keyed on `<aws.scheduler.scheduled-time>`. */
  readonly input: string;
}

/** Options of `planOf(registry)`. */
export interface PlanOptions {
  /** Prefix of physical names. @default the registry's app name */
  readonly prefix?: string;
}

/**
 * Receives after which SQS moves a message of `queue` to its DLQ: the queue's own setting, else
 * two more than the largest `maxAttempts` of its tasks (one spare for a lost worker), at least 5.
 * The plan sizes the queue with it; the worker reads it to retry through a fresh copy where
 * SQS would dead-letter the message mid-retry.
 *
 * @example
 * ```ts
 * maxReceiveCountOf(queue, [sendEmail.definition]); // 5
 * ```
 */
export function maxReceiveCountOf(
  queue: Pick<QueueDefinition, 'maxReceiveCount'>,
  tasks: readonly Pick<TaskDefinition, 'retry'>[],
): number {
  if (queue.maxReceiveCount !== undefined) return queue.maxReceiveCount;
  const largest = Math.max(1, ...tasks.map((t) => t.retry.maxAttempts));
  return Math.max(Defaults.MIN_MAX_RECEIVE_COUNT, largest + 2);
}

/**
 * The registry's resource plan, which infra (the `TaskRuntime` construct) and the local stack
 * both build from. A function beside the registry, not a method of it: a worker or producer
 * bundle, which never plans, does not carry it.
 *
 * @example
 * ```ts
 * import { planOf } from 'celeriac/config';
 * new TaskRuntime(stack, 'Tasks', { plan: planOf(registry, { prefix: 'shop-prod' }), ... });
 * ```
 */
export function planOf(registry: Registry, options: PlanOptions = {}): ResourcePlan {
  const { app, queues, tasks, resultShards: shards } = registry;
  const schedules = [...registry.schedules.values()];
  const prefix = options.prefix ?? app;
  const taskList = [...tasks.values()].map((t) => t.definition);
  return {
    version: 1,
    app,
    queues: [...queues.values()].map((q) => {
      const own = taskList.filter((t) => t.queue === q.name);
      return {
        name: q.name,
        queueName: `${prefix}-${q.name}`,
        dlqName: `${prefix}-${q.name}-dlq`,
        visibilityTimeoutSeconds: Math.min(
          Limits.SQS_MAX_VISIBILITY_SECONDS,
          Defaults.VISIBILITY_MULTIPLIER * q.timeoutSeconds + q.batchingWindowSeconds,
        ),
        retentionSeconds: q.retentionSeconds,
        dlqRetentionSeconds: Defaults.DLQ_RETENTION_SECONDS,
        maxMessageBytes: Limits.SQS_MAX_MESSAGE_BYTES,
        maxReceiveCount: maxReceiveCountOf(q, own),
        batchSize: q.batchSize,
        batchingWindowSeconds: q.batchingWindowSeconds,
        maxConcurrency: q.maxConcurrency,
        reservedConcurrency: q.reservedConcurrency,
        workerTimeoutSeconds: q.timeoutSeconds,
        memoryMb: q.memoryMb,
        tasks: own.map((t) => t.name),
      };
    }),
    table: {
      tableName: `${prefix}-results`,
      partitionKey: ResultsSchema.partitionKey,
      ttlAttribute: ResultsSchema.ttlAttribute,
      indexes: Object.values(ResultsSchema.indexes).map((ix) => ({
        ...ix,
        projected: [...ResultsSchema.projected],
      })),
      shards: { ...shards },
    },
    tasks: taskList.map((t) => ({
      name: t.name,
      queue: t.queue,
      maxAttempts: t.retry.maxAttempts,
      timeoutMs: t.timeoutMs ?? (queues.get(t.queue)?.timeoutSeconds ?? 0) * 1000,
      resultMode: t.resultMode,
      hasSchema: t.schema !== undefined,
      tags: [...t.tags],
    })),
    scheduleGroupName: `${prefix}-schedules`,
    schedules: schedules.map((e) => ({
      name: e.name,
      scheduleName: `${prefix}-${e.name}`.slice(0, 64),
      task: e.task.name,
      queue: e.queue,
      source: e.source,
      expression: e.expression,
      // The full IANA check loads ICU data: done here (synth, local stack), not in a worker's cold start.
      timezone: checkTimezone(e.timezone),
      enabled: e.enabled,
      input: beatInput(e),
    })),
  };
}
