import type { Logger } from '../logger.js';
import type { TaskContext } from '../task.js';
import type { Runnable } from './checks.js';
import { type RunningTasks, TaskRevoked } from './revoke-watch.js';
import { withTimeLimit } from './time-limit.js';
import type { Execution } from './verdicts.js';

/** What running a task needs besides the task. */
export interface ExecuteInput {
  /** Validated arguments. */
  readonly args: unknown;
  /** Epoch ms by which the attempt must have ended (Lambda deadline minus a margin). */
  readonly deadline: number;
  readonly now: () => number;
  readonly log: Logger;
  /** The invocation's running tasks, watched for revocation. */
  readonly running?: RunningTasks;
}

/**
 * Run a task's handler once, with its time limit (the task's timeout, bounded by the Lambda
 * deadline) and revocation watch. Never throws: what the handler returned or threw, or that it
 * was revoked, comes back as an {@link Execution}.
 *
 * @example
 * ```ts
 * const execution = await executeTask(run, { args, deadline, now: Date.now, log });
 * ```
 */
export async function executeTask(run: Runnable, input: ExecuteInput): Promise<Execution> {
  const { env, task, attempt, maxAttempts } = run;
  const startedAt = input.now();
  const limitMs = Math.max(
    0,
    Math.min(task.definition.timeoutMs ?? Number.POSITIVE_INFINITY, input.deadline - startedAt),
  );
  const controller = new AbortController();
  const unwatch = input.running?.add(env, controller);
  try {
    const value = await withTimeLimit(
      limitMs,
      (signal) => {
        const ctx: TaskContext = {
          id: env.id,
          name: env.task,
          attempt,
          maxAttempts,
          queue: env.queue,
          rootId: env.root,
          parentId: env.parent,
          tags: env.tags ?? [],
          signal,
          remainingMs: () => Math.max(0, startedAt + limitMs - input.now()),
          log: input.log,
        };
        return Promise.resolve(task.run(input.args, ctx));
      },
      controller,
    );
    return { kind: 'returned', value, startedAt, finishedAt: input.now() };
  } catch (error) {
    if (error instanceof TaskRevoked) return { kind: 'revoked' };
    return { kind: 'threw', error, startedAt, finishedAt: input.now() };
  } finally {
    unwatch?.();
  }
}
