import { type CeleriacClient, getDefaultClient } from './client.js';
import { enqueueTarget } from './enqueue.js';
import type { EnqueueOptions } from './enqueue-options.js';
import type { TaskHandle } from './handle.js';
import { resolveRoute } from './routes.js';
import type { Task } from './task.js';
import { signatureMethods } from './task-signatures.js';

/**
 * Any task type, as `typeof someTask` from a type-only import: the constraint of the by-name
 * generics. Only types are read from it; no value of it exists in a producer.
 */
export type AnyTask = Pick<Task<unknown, unknown>, 'name' | '__args'>;
/** The argument type of a task type: `ArgsOf<typeof resize>`. */
export type ArgsOf<T> = T extends Task<infer A, infer _R> ? A : never;
/** The result type of a task type: `ResultOf<typeof resize>`. */
export type ResultOf<T> = T extends Task<infer _A, infer R> ? R : never;

/**
 * A task known by name, typed from the task's type: the producer half of a {@link Task}
 * (`enqueue`, `s`, `si`) with no handler, schema or options in it.
 */
export type TaskRef<A, R> = Pick<Task<A, R>, 'name' | 'enqueue' | 's' | 'si'>;

/** Options of {@link taskRef}. */
export interface TaskRefOptions {
  /** The client whose config routes the task (and that `enqueue` sends through). @default the default client */
  readonly client?: CeleriacClient;
  /** Send to this queue instead of the one the config's routes name. */
  readonly queue?: string;
}

/**
 * Enqueue a task by name, typed from a type-only import: arguments and result are checked at
 * compile time, and no handler code (nor its dependencies) is bundled into the producer. The
 * queue and the task's tags come from the config's `routes` (generated from the plan), or
 * `options.queue`. The worker validates the arguments against the task's schema; by name there
 * is no schema in the producer, so invalid arguments end as a FAILURE with `INVALID_ARGS`.
 *
 * @throws CeleriacError `UNKNOWN_TASK` when the routes do not list `name` and no `queue` is given,
 *   and whatever `enqueue` throws (message size, delay, unknown queue…).
 * @example
 * ```ts
 * import type { resize } from './tasks/images.js'; // types only: erased at build time
 * const handle = await enqueueByName<typeof resize>('images.resize', { key: 'a.png', width: 320 });
 * const out = await handle.result(); // typed as resize's result
 * ```
 */
export async function enqueueByName<T extends AnyTask>(
  name: string,
  args: ArgsOf<T>,
  options: EnqueueOptions = {},
): Promise<TaskHandle<ResultOf<T>>> {
  const client = options.client ?? getDefaultClient();
  const route = resolveRoute(client.config, name, options.queue);
  return enqueueTarget<ResultOf<T>>(
    { name, definition: { name, queue: route.queue, tags: route.tags, schema: undefined } },
    args,
    { ...options, client },
  );
}

/**
 * A typed reference to a task by name, for producers and canvas: `ref.enqueue(args)`,
 * `ref.s(…)`, `ref.si(…)` behave as the task's own methods. Making it reads nothing; the route is
 * resolved when a message or signature is made.
 *
 * @example
 * ```ts
 * import type { resize, thumbnail } from './tasks/images.js';
 * const resizeRef = taskRef<typeof resize>('images.resize');
 * const thumbRef = taskRef<typeof thumbnail>('images.thumbnail');
 * await chain(resizeRef.si({ key: 'a.png', width: 320 }), thumbRef.s()).apply();
 * ```
 */
export function taskRef<T extends AnyTask>(
  name: string,
  options: TaskRefOptions = {},
): TaskRef<ArgsOf<T>, ResultOf<T>> {
  const client = () => options.client ?? getDefaultClient();
  const target = () => ({ name, queue: resolveRoute(client().config, name, options.queue).queue });
  return {
    name,
    enqueue: (args, enqueueOptions = {}) =>
      enqueueByName<T>(name, args, {
        ...(options.queue !== undefined ? { queue: options.queue } : {}),
        ...enqueueOptions,
        client: enqueueOptions.client ?? client(),
      }),
    ...signatureMethods(target),
  } as TaskRef<ArgsOf<T>, ResultOf<T>>;
}
