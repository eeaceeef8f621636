import type { RevocationCache } from './revocations.js';

/** Raised inside a running task (as its signal's reason) when the task or its workflow is revoked. */
export class TaskRevoked extends Error {
  override readonly name = 'TaskRevoked';
  constructor(readonly taskId: string) {
    super(`task ${taskId} was revoked while running`);
  }
}

/**
 * Watch a running task for revocation: every `intervalMs` it asks the worker's shared
 * revocation cache (which re-reads the revocation item at most once per refresh interval per
 * worker instance, whatever the number of running tasks), and aborts when the task id or its
 * workflow root is listed. Returns the signal to hand the task and a stop function.
 *
 * @example
 * ```ts
 * const watch = watchRevocation(cache, env.id, env.root, 1_000);
 * try { await run(watch.signal); } finally { watch.stop(); }
 * ```
 */
export function watchRevocation(
  cache: RevocationCache | undefined,
  taskId: string,
  rootId: string,
  intervalMs: number,
): { readonly signal: AbortSignal; readonly revoked: Promise<never>; stop(): void } {
  const controller = new AbortController();
  let reject: (err: Error) => void = () => undefined;
  const revoked = new Promise<never>((_, r) => {
    reject = r;
  });
  revoked.catch(() => undefined);
  if (!cache) return { signal: controller.signal, revoked, stop: () => undefined };
  const timer = setInterval(() => {
    cache
      .current()
      .then((ids) => {
        if (!controller.signal.aborted && (ids.has(taskId) || ids.has(rootId))) {
          const error = new TaskRevoked(taskId);
          controller.abort(error);
          reject(error);
        }
      })
      .catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return { signal: controller.signal, revoked, stop: () => clearInterval(timer) };
}
