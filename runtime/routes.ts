import type { CeleriacConfig } from './config.js';
import { CeleriacError, ErrorCode } from './errors.js';
import type { ResourcePlan } from './plan.js';

/**
 * Where a producer sends a task it knows only by name: the task's queue, and the tags the task
 * declares (which `enqueue(task, …)` adds from the task object). A bare string is a queue with
 * no tags, the compact form for the common case.
 */
export type Route = Routes[string];

/** Routes by task name: the `routes` member of the client config. */
export type Routes = NonNullable<CeleriacConfig['routes']>;

/**
 * The route table of a plan, for the client config: infra (`TaskRuntime.clientConfig`) and the
 * local stack write it, so a producer that enqueues by name sends each task to the queue its
 * registry declares without importing the task.
 *
 * @example
 * ```ts
 * routesOf(planOf(registry)); // { 'images.resize': 'high', 'report.nightly': { queue: 'low', tags: ['ops'] } }
 * ```
 */
export function routesOf(plan: Pick<ResourcePlan, 'tasks'>): Routes {
  return Object.fromEntries(
    plan.tasks.map((t) => [t.name, t.tags.length ? { queue: t.queue, tags: [...t.tags] } : t.queue]),
  );
}

/** A route after normalisation. */
export interface ResolvedRoute {
  readonly queue: string;
  readonly tags: readonly string[];
}

/**
 * Resolve a task name to its queue and declared tags. An explicit `queue` wins (tags still
 * come from the route table when it lists the task); otherwise the config's `routes` must list
 * the task: an unknown name throws rather than falling back to a default queue, so a typo never
 * sends work where no worker knows it.
 *
 * @throws CeleriacError `UNKNOWN_TASK` when neither `queue` nor the route table names a queue.
 * @example
 * ```ts
 * resolveRoute(client.config, 'images.resize'); // { queue: 'high', tags: [] }
 * ```
 */
export function resolveRoute(config: CeleriacConfig, name: string, queue?: string): ResolvedRoute {
  const route = config.routes?.[name];
  const tags = typeof route === 'object' ? route.tags : [];
  if (queue !== undefined) return { queue, tags };
  if (route === undefined) {
    const known = Object.keys(config.routes ?? {});
    throw new CeleriacError(
      ErrorCode.UNKNOWN_TASK,
      config.routes
        ? `task "${name}" is not in the config's routes (known: ${known.join(', ') || '(none)'}); pass { queue } to send it anyway`
        : `task "${name}": the config has no routes table; pass { queue } or deploy a config that carries routes`,
      { value: name, allowed: known.length ? known.join(', ') : 'an explicit { queue }' },
    );
  }
  return typeof route === 'string' ? { queue: route, tags } : { queue: route.queue, tags };
}
