import type { CeleriacClient, Registry, TaskRecord, TaskState } from '../../runtime/internal.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';

/** Options of {@link startTestStack}. */
export interface TestStackOptions {
  readonly registry: Registry;
  /** A resource-name prefix, so parallel test files never share queues or tables. @default a random one */
  readonly prefix?: string;
  /** Reuse running servers (e.g. started once in a global setup). @default start new ones */
  readonly endpoints?: { readonly sqs?: string; readonly dynamodb?: string };
}

/** A local stack with workers running, for integration tests of an app's tasks. */
export interface TestStack {
  readonly client: CeleriacClient;
  readonly stack: LocalStack;
  /** Wait until the task's stored state is one of `states`; throws after `timeoutMs`. */
  waitFor(id: string, states: readonly TaskState[], timeoutMs?: number): Promise<TaskRecord>;
  stop(): Promise<void>;
}

/**
 * Start SQS, DynamoDB Local and a Scheduler on loopback, provision the app's plan, and run its
 * workers: the real runtime, against real local servers (Java is needed for DynamoDB Local).
 *
 * @example
 * ```ts
 * import { startTestStack } from 'celeriac/testing';
 * const t = await startTestStack({ registry });
 * const handle = await add.enqueue({ x: 1, y: 2 }, { client: t.client });
 * expect(await handle.result()).toBe(3);
 * await t.stop();
 * ```
 */
export async function startTestStack(options: TestStackOptions): Promise<TestStack> {
  const prefix = options.prefix ?? `t${Math.random().toString(36).slice(2, 10)}`;
  const stack = await startLocalStack({
    registry: options.registry,
    plan: { prefix },
    ...(options.endpoints ? { endpoints: options.endpoints } : {}),
  });
  stack.startWorkers({ waitTimeSeconds: 1 });
  return {
    client: stack.client,
    stack,
    async waitFor(id, states, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let delay = 5;
      for (;;) {
        const rec = await stack.client.results.get(id);
        if (rec && states.includes(rec.state)) return rec;
        if (Date.now() > deadline) {
          throw new Error(
            `task ${id} is ${rec?.state ?? 'PENDING'} after ${timeoutMs} ms; waited for ${states.join(' or ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 200);
      }
    },
    stop: () => stack.stop(),
  };
}
