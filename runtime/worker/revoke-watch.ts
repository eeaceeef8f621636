import type { RevocationView, Watched } from './revocation-view.js';

/** Raised inside a running task (as its signal's reason) when the task or its workflow is revoked. */
export class TaskRevoked extends Error {
  override readonly name = 'TaskRevoked';
  constructor(readonly taskId: string) {
    super(`task ${taskId} was revoked while running`);
  }
}

/**
 * The tasks one worker invocation is running, watched for revocation by ONE timer per
 * invocation: every `intervalMs` it asks the worker's shared revocation cache about the running
 * ids and roots (each re-read at most once per refresh interval per worker instance) and aborts the
 * controller of every running task whose id or workflow root is listed. A task costs a map
 * entry, not a timer of its own.
 *
 * @example
 * ```ts
 * const running = new RunningTasks(view, 2_000);
 * const done = running.add({ id: env.id, root: env.root, born: env.born }, controller);
 * try { await run(controller.signal); } finally { done(); running.stop(); }
 * ```
 */
export class RunningTasks {
  readonly #tasks = new Map<AbortController, Watched>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly view: RevocationView | undefined,
    private readonly intervalMs: number,
  ) {}

  /** Watch a task until the returned function is called. */
  add(task: Watched, controller: AbortController): () => void {
    this.#tasks.set(controller, task);
    if (this.view && !this.#timer) {
      this.#timer = setInterval(() => this.#check(), this.intervalMs);
      this.#timer.unref();
    }
    return () => {
      this.#tasks.delete(controller);
      if (this.#tasks.size === 0) this.stop();
    };
  }

  /** Stop the timer (the invocation is over). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    if (!this.view || this.#tasks.size === 0) return;
    this.view
      .revokedAmong([...this.#tasks.values()])
      .then((ids) => {
        for (const [controller, task] of this.#tasks) {
          if (!controller.signal.aborted && (ids.has(task.id) || ids.has(task.root))) {
            controller.abort(new TaskRevoked(task.id));
          }
        }
      })
      .catch(() => undefined);
  }
}
