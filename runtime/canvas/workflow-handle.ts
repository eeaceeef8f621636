import type { CeleriacClient } from '../client.js';
import { CeleriacError } from '../errors.js';
import { TaskHandle, type WaitOptions } from '../handle.js';
import { unwrapAborted, type WaitTarget, waitForMany } from './wait-many.js';
import type { CanvasNode } from './wire.js';

/** Where a workflow's result comes from: one task's result, or a list of them in order. */
export type ResultRef =
  | { readonly kind: 'task'; readonly id: string; readonly task: string }
  | { readonly kind: 'list'; readonly items: readonly ResultRef[] };

/**
 * The result shape of a canvas node: a task's own; a chain's last step's; a group's members' in
 * order; a chord's body's.
 *
 * @example
 * ```ts
 * resultRefOf(node); // { kind: 'list', items: [...] } for a group
 * ```
 */
export function resultRefOf(node: CanvasNode): ResultRef {
  switch (node.kind) {
    case 'task':
      return { kind: 'task', id: node.id, task: node.task };
    case 'chain': {
      const last = node.steps[node.steps.length - 1];
      return last ? resultRefOf(last) : { kind: 'list', items: [] };
    }
    case 'group':
      return { kind: 'list', items: node.members.map(resultRefOf) };
    case 'chord':
      return resultRefOf(node.body);
  }
}

/**
 * A handle on an applied workflow (chain, group, chord or single signature).
 *
 * @example
 * ```ts
 * const handle = await chord(members, xsum.s()).apply();
 * handle.rootId; // the workflow's root id, for getWorkflow()
 * const total = await handle.result({ timeout: '30s' });
 * const previous = handle.parent; // for a chain: the previous step's handle (Celery `res.parent`)
 * ```
 */
export class WorkflowHandle<R = unknown> {
  constructor(
    /** The workflow's root id: its first task's id, or its parent task's root (`apply({ parent })`). */
    readonly rootId: string,
    /** Which task ids make up the result. */
    readonly ref: ResultRef,
    private readonly client: CeleriacClient,
    /** For a chain: the result shapes of the steps before the last, first step first. */
    private readonly parentRefs: readonly ResultRef[] = [],
  ) {}

  /** The ids whose results make up this workflow's result, flattened, in order. */
  get resultIds(): string[] {
    return targetsOf(this.ref).map((t) => t.id);
  }

  /**
   * For a chain: the handle of the step before the last (whose own `parent` is the step before
   * it, and so on: Celery's `result.parent`); `undefined` for the first step or a single canvas.
   */
  get parent(): WorkflowHandle<unknown> | undefined {
    const last = this.parentRefs[this.parentRefs.length - 1];
    return last && new WorkflowHandle(this.rootId, last, this.client, this.parentRefs.slice(0, -1));
  }

  /** For a chain: the handles of every step before the last, first step first. */
  get parents(): WorkflowHandle<unknown>[] {
    return this.parentRefs.map(
      (ref, i) => new WorkflowHandle(this.rootId, ref, this.client, this.parentRefs.slice(0, i)),
    );
  }

  /** A task handle for a task of the result (e.g. the last step of a chain). */
  handle(id: string): TaskHandle<unknown> {
    return new TaskHandle(id, targetsOf(this.ref).find((t) => t.id === id)?.task ?? 'unknown', this.client);
  }

  /**
   * Wait for the result: a chain's last step's, a group's list in member order, a chord's
   * body's. Rejects as soon as a part fails (`TASK_FAILED`): a failed chord marks its body
   * FAILURE at once (`CHORD_FAILED`); a chain whose step failed rejects with that step's own
   * error and id (`value`, `cause.id`), not a wrapper. A list (a group, even of 1,000 members)
   * is read in batches of 100 ids per request each round, not one polling loop per member.
   */
  async result(options: WaitOptions = {}): Promise<R> {
    if (this.ref.kind === 'task') {
      const { id, task } = this.ref;
      try {
        return (await new TaskHandle<R>(id, task, this.client).result(options)) as R;
      } catch (err) {
        throw err instanceof CeleriacError ? unwrapAborted(err) : err;
      }
    }
    const targets = targetsOf(this.ref);
    const values = await waitForMany(this.client, targets, options);
    const byId = new Map(targets.map((t, i) => [t.id, values[i]]));
    const build = (r: ResultRef): unknown => (r.kind === 'task' ? byId.get(r.id) : r.items.map(build));
    return build(this.ref) as R;
  }
}

/** The tasks of a result shape, flattened, in order. */
function targetsOf(ref: ResultRef): WaitTarget[] {
  return ref.kind === 'task' ? [{ id: ref.id, task: ref.task }] : ref.items.flatMap(targetsOf);
}
