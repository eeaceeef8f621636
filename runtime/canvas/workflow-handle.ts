import type { CeleriacClient } from '../client.js';
import { TaskHandle, type WaitOptions } from '../handle.js';
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
 * ```
 */
export class WorkflowHandle<R = unknown> {
  constructor(
    /** The workflow's root id (the id of its first task). */
    readonly rootId: string,
    /** Which task ids make up the result. */
    readonly ref: ResultRef,
    private readonly client: CeleriacClient,
  ) {}

  /** The ids whose results make up this workflow's result, flattened, in order. */
  get resultIds(): string[] {
    const ids: string[] = [];
    const walk = (r: ResultRef) => (r.kind === 'task' ? ids.push(r.id) : r.items.forEach(walk));
    walk(this.ref);
    return ids;
  }

  /** A task handle for a task of the result (e.g. the last step of a chain). */
  handle(id: string): TaskHandle<unknown> {
    return new TaskHandle(id, this.#taskOf(id) ?? 'unknown', this.client);
  }

  /**
   * Wait for the result: a chain's last step's, a group's list in member order, a chord's
   * body's. Rejects as soon as a part fails (`TASK_FAILED`; a failed chord or aborted chain
   * marks its result FAILURE at once).
   */
  result(options: WaitOptions = {}): Promise<R> {
    const read = (r: ResultRef): Promise<unknown> =>
      r.kind === 'task'
        ? new TaskHandle(r.id, r.task, this.client).result(options)
        : Promise.all(r.items.map(read));
    return read(this.ref) as Promise<R>;
  }

  #taskOf(id: string): string | undefined {
    let found: string | undefined;
    const walk = (r: ResultRef) => {
      if (r.kind === 'task') {
        if (r.id === id) found = r.task;
      } else r.items.forEach(walk);
    };
    walk(this.ref);
    return found;
  }
}
