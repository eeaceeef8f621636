import { childrenOf } from './canvas/family.js';
import type { CeleriacClient } from './client.js';
import { Defaults, TaskState } from './constants.js';
import { toMillis } from './duration.js';
import { CeleriacError, ErrorCode, invalid } from './errors.js';
import { pollDelayMs } from './poll.js';
import type { TaskRecord } from './results/record.js';
import type { WaitOptions } from './wait-options.js';

export type { WaitOptions } from './wait-options.js';

/**
 * A reference to one enqueued task: read its state, or wait for its result.
 *
 * @example
 * ```ts
 * const handle = await add.enqueue({ x: 2, y: 3 });
 * console.log(handle.id, await handle.state()); // '…' 'PENDING'
 * const sum = await handle.result({ timeout: '30s' }); // 5
 * ```
 */
export class TaskHandle<R = unknown> {
  constructor(
    readonly id: string,
    readonly taskName: string,
    private readonly client: CeleriacClient,
  ) {}

  /** The stored record, or `undefined` while PENDING (or when results are not stored). */
  get(): Promise<TaskRecord | undefined> {
    return this.client.results.get(this.id);
  }

  /**
   * The tasks this one spawned (Celery `result.children`): its next chain step, links,
   * errbacks, a chord body it fired, a nested canvas. Only tasks already recorded are listed.
   *
   * @example
   * ```ts
   * const [next] = await handle.children();
   * ```
   */
  async children(): Promise<TaskHandle<unknown>[]> {
    return (await childrenOf(this.client, this.id)).map((c) => new TaskHandle(c.id, c.task, this.client));
  }

  /** The current state; `PENDING` when nothing is stored yet. */
  async state(): Promise<TaskState> {
    return (await this.get())?.state ?? TaskState.PENDING;
  }

  /**
   * Wait for the task to finish and return its result.
   *
   * @throws CeleriacError `TASK_FAILED` (with the stored error as `cause`), `TASK_REVOKED`,
   *   `WAIT_TIMEOUT` when it has not finished in time, `INVALID_DURATION` for an interval under 1 ms.
   */
  async result(options: WaitOptions = {}): Promise<R> {
    const timeoutMs = toMillis(options.timeout ?? Defaults.WAIT_TIMEOUT_MS, 'result timeout');
    const maxMs = toMillis(options.interval ?? Defaults.WAIT_MAX_INTERVAL_MS, 'result interval');
    if (maxMs < 1)
      throw invalid(ErrorCode.INVALID_DURATION, 'result interval', options.interval, 'at least 1ms');
    const start = performance.now();
    const deadline = start + timeoutMs;
    for (;;) {
      const record = await this.get();
      if (record?.state === TaskState.SUCCESS) return record.result as R;
      if (record?.state === TaskState.FAILURE) {
        throw new CeleriacError(
          ErrorCode.TASK_FAILED,
          `task ${this.taskName} ${this.id} failed: ${record.error?.type}: ${record.error?.message}`,
          { value: this.id, cause: record.error },
        );
      }
      if (record?.state === TaskState.REVOKED) {
        throw new CeleriacError(ErrorCode.TASK_REVOKED, `task ${this.taskName} ${this.id} was revoked`, {
          value: this.id,
          cause: record.error,
        });
      }
      const now = performance.now();
      if (now >= deadline) {
        throw new CeleriacError(
          ErrorCode.WAIT_TIMEOUT,
          `task ${this.taskName} ${this.id} still ${record?.state ?? TaskState.PENDING} after ${timeoutMs} ms`,
          { value: timeoutMs },
        );
      }
      await sleepUntil(Math.min(now + pollDelayMs(now - start, maxMs), deadline));
    }
  }
}

/** Sleep until `performance.now()` reaches `at`: a timer may fire up to a millisecond early. */
async function sleepUntil(at: number): Promise<void> {
  for (let left = at - performance.now(); left > 0; left = at - performance.now()) {
    await new Promise((resolve) => setTimeout(resolve, left));
  }
}
