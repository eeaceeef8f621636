import { builtinTasks } from './canvas/builtins.js';
import { Defaults } from './constants.js';
import { CeleriacError, ErrorCode, invalid } from './errors.js';
import { defineQueue, type QueueDefinition, type QueueSettings } from './queue.js';
import { type ResultShards, resolveShards } from './results/shards.js';
import type { ScheduleEntry } from './schedules/beat.js';
import type { Task } from './task.js';

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** Application name: prefixes every physical resource name. @default 'celeriac' */
  readonly app?: string;
  /** Queues by name. @default `{ default: {} }` */
  readonly queues?: Readonly<Record<string, QueueSettings>>;
  /** Every task the workers may run. Listed explicitly: no file globbing. */
  readonly tasks: readonly Task<never, unknown>[] | readonly Task[];
  /** Periodic tasks, declared with `cron(…)` or `rate(…)`. @default [] */
  readonly schedules?: readonly ScheduleEntry[];
  /** Results table settings. */
  readonly results?: {
    /**
     * Shards per index key (see docs/operations.md, scale model).
     * @default { task: 16, state: 16, root: 16 }
     */
    readonly shards?: Partial<ResultShards>;
  };
}

/**
 * The application's tasks and queues, validated together.
 *
 * @example
 * ```ts
 * export const registry = createRegistry({
 *   app: 'shop',
 *   queues: { high: { maxConcurrency: 20 }, default: {} },
 *   tasks: [sendEmail, resizeImage],
 * });
 * ```
 */
export interface Registry {
  readonly app: string;
  readonly queues: ReadonlyMap<string, QueueDefinition>;
  readonly tasks: ReadonlyMap<string, Task>;
  /** Periodic tasks by name. */
  readonly schedules: ReadonlyMap<string, ScheduleEntry>;
  /** Shards per results index key, as writers and readers must use them. */
  readonly resultShards: ResultShards;
  /** A task by name (including the canvas built-ins `celeriac.map`, …), or `undefined`. */
  get(name: string): Task | undefined;
}

const APP = /^[a-z][a-z0-9-]{0,29}$/;

/**
 * Build the registry. Throws at definition time on duplicate task names, tasks on unknown
 * queues, tasks whose time limit exceeds their queue's worker timeout, and bad queue settings.
 *
 * @example
 * ```ts
 * const registry = createRegistry({ tasks: [add, mul] });
 * registry.get('add')?.definition.queue; // 'default'
 * ```
 */
export function createRegistry(options: RegistryOptions): Registry {
  const app = options.app ?? 'celeriac';
  if (typeof app !== 'string' || !APP.test(app)) {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      'registry app',
      app,
      'lower-case letters, digits and "-", 1-30, starting with a letter',
    );
  }
  const queues = new Map<string, QueueDefinition>();
  for (const [name, settings] of Object.entries(options.queues ?? { [Defaults.QUEUE]: {} })) {
    queues.set(name, defineQueue(name, settings));
  }
  if (queues.size === 0) throw invalid(ErrorCode.INVALID_OPTION, 'registry queues', {}, 'at least one queue');
  const defined = () => [...queues.keys()].join(', ');
  const tasks = new Map<string, Task>();
  for (const t of options.tasks as readonly Task[]) {
    if (!t || typeof t !== 'object' || !t.definition) {
      throw invalid(ErrorCode.INVALID_OPTION, 'registry tasks entry', t, 'a task created with task()');
    }
    const def = t.definition;
    if (tasks.has(def.name)) {
      throw new CeleriacError(
        ErrorCode.DUPLICATE_TASK,
        `task name "${def.name}" is registered twice; names must be unique`,
        {
          value: def.name,
          allowed: 'unique task names',
        },
      );
    }
    const queue = queues.get(def.queue);
    if (!queue) {
      throw new CeleriacError(
        ErrorCode.UNKNOWN_QUEUE,
        `task "${def.name}" uses queue "${def.queue}", which is not defined; defined: ${defined()}`,
        { value: def.queue, allowed: defined() },
      );
    }
    if (def.timeoutMs !== undefined && def.timeoutMs > queue.timeoutSeconds * 1000) {
      throw invalid(
        ErrorCode.INVALID_OPTION,
        `task "${def.name}" timeout (ms)`,
        def.timeoutMs,
        `at most its queue "${queue.name}" worker timeout (${queue.timeoutSeconds} s)`,
      );
    }
    tasks.set(def.name, t);
  }
  for (const queue of queues.values()) {
    const largest = Math.max(
      0,
      ...[...tasks.values()]
        .filter((t) => t.definition.queue === queue.name)
        .map((t) => t.definition.retry.maxAttempts),
    );
    if (queue.maxReceiveCount !== undefined && queue.maxReceiveCount <= largest) {
      throw invalid(
        ErrorCode.INVALID_OPTION,
        `queue "${queue.name}" maxReceiveCount`,
        queue.maxReceiveCount,
        `more than the largest maxAttempts of its tasks (${largest}), or SQS dead-letters before retries end`,
      );
    }
  }
  const schedules = new Map<string, ScheduleEntry>();
  for (const e of options.schedules ?? []) {
    if (!e || typeof e !== 'object' || typeof e.expression !== 'string') {
      throw invalid(
        ErrorCode.INVALID_SCHEDULE,
        'registry schedules entry',
        e,
        'an entry made by cron() or rate()',
      );
    }
    if (schedules.has(e.name)) {
      throw new CeleriacError(
        ErrorCode.DUPLICATE_SCHEDULE,
        `schedule "${e.name}" is declared twice; names must be unique`,
        {
          value: e.name,
          allowed: 'unique schedule names (pass { name })',
        },
      );
    }
    if (tasks.get(e.task.name) !== e.task) {
      throw new CeleriacError(
        ErrorCode.UNKNOWN_TASK,
        `schedule "${e.name}" runs task "${e.task.name}", which is not in the registry's tasks`,
        {
          value: e.task.name,
        },
      );
    }
    if (!queues.has(e.queue)) {
      throw new CeleriacError(
        ErrorCode.UNKNOWN_QUEUE,
        `schedule "${e.name}" sends to queue "${e.queue}", which is not defined`,
        {
          value: e.queue,
          allowed: defined(),
        },
      );
    }
    schedules.set(e.name, e);
  }
  // The canvas built-ins are made on the first lookup of a name not registered: none at import.
  let builtins: Map<string, Task> | undefined;
  const resultShards = resolveShards(options.results?.shards);
  return {
    app,
    queues,
    tasks,
    schedules,
    resultShards,
    get: (name) => {
      const found = tasks.get(name);
      if (found) return found;
      builtins ??= builtinTasks((n) => tasks.get(n));
      return builtins.get(name);
    },
  };
}
