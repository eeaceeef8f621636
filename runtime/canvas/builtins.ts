import { NonRetriable } from '../control.js';
import type { Json } from '../json.js';
import { type Task, task } from '../task.js';
import { validateArgs } from '../validate.js';
import { COLLECT_TASK, MAP_TASK, STARMAP_TASK } from './primitives.js';

/**
 * The canvas's built-in tasks, bound to a registry's task lookup: `celeriac.map` and
 * `celeriac.starmap` (run a task over a list inside one message) and `celeriac.collect` (the
 * body a joining group gets when nothing follows it: returns the list as is). The registry
 * serves them by name; they are not part of the plan.
 *
 * @example
 * ```ts
 * const builtins = builtinTasks((name) => tasks.get(name));
 * ```
 */
export function builtinTasks(lookup: (name: string) => Task | undefined): Map<string, Task> {
  const iterate = async (args: { task: string; items: Json[] }, ctx: Parameters<Task['run']>[1]) => {
    const inner = lookup(args?.task);
    if (!inner) throw new NonRetriable(`map: task "${args?.task}" is not registered in this worker`);
    if (!Array.isArray(args.items)) throw new NonRetriable('map: items must be a list');
    const out: unknown[] = [];
    for (const item of args.items) {
      const valid = await validateArgs(inner.definition.schema, item, `task "${inner.name}"`);
      out.push(await inner.run(valid, ctx));
    }
    return out as Json[];
  };
  const list: Task[] = [
    task(MAP_TASK, {}, iterate) as Task,
    task(STARMAP_TASK, {}, iterate) as Task,
    task(COLLECT_TASK, {}, (args: Json) => args) as Task,
  ];
  return new Map(list.map((t) => [t.name, t]));
}
