import type { RevocationCache } from './revocations.js';

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
 * const running = new RunningTasks(cache, 2_000);
 * const done = running.add(env.id, env.root, controller);
 * try { await run(controller.signal); } finally { done(); running.stop(); }
 * ```
 */
export class RunningTasks {
  readonly #tasks = new Map<AbortController, { readonly id: string; readonly root: string }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cache: RevocationCache | undefined,
    private readonly intervalMs: number,
  ) {}

  /** Watch a task until the returned function is called. */
  add(id: string, root: string, controller: AbortController): () => void {
    this.#tasks.set(controller, { id, root });
    if (this.cache && !this.#timer) {
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
    if (!this.cache || this.#tasks.size === 0) return;
    const watched = [...this.#tasks.values()].flatMap((task) => [task.id, task.root]);
    this.cache
      .lookup(watched)
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
