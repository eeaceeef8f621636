import { randomUUID } from 'node:crypto';

/** Thrown by an AWS SDK call of an execution environment the local event source has killed. */
export class EnvironmentGoneError extends Error {
  override readonly name = 'EnvironmentGoneError';
}

/** What {@link LocalEnvironment.fence} needs of an AWS SDK v3 client. */
export interface FenceableClient {
  readonly middlewareStack: { add(middleware: never, options: never): void };
  destroy(): void;
}

/**
 * One emulated Lambda execution environment: the handler instance of one concurrent lane of
 * the local event source. When an invocation times out, Lambda ends the environment and the
 * next invocation starts in a new one; locally the environment is killed: every SDK client it
 * fenced refuses further calls and fails answers that arrive afterwards, and its sockets are
 * closed.
 *
 * What a kill does not stop (one Node.js process holds every lane): code already running
 * keeps running until it next awaits, timers fire, and anything that is not a fenced AWS
 * client (fetch, other SDK clients a task builds itself, in-memory state) still happens. A
 * request already on the wire may still be applied by the server, as in AWS.
 */
export interface LocalEnvironment {
  readonly id: string;
  /** Aborted when the environment is killed. */
  readonly signal: AbortSignal;
  /** Tie an SDK client to this environment (returns the same client). */
  fence<C extends FenceableClient>(client: C): C;
}

/**
 * Create a live environment and the function that kills it.
 *
 * @example
 * ```ts
 * const { environment, kill } = createEnvironment();
 * const sqs = environment.fence(new SQSClient({ endpoint }));
 * kill('Task timed out');
 * ```
 */
export function createEnvironment(): { environment: LocalEnvironment; kill(reason: string): void } {
  const controller = new AbortController();
  const fenced: FenceableClient[] = [];
  const gone = () =>
    new EnvironmentGoneError(
      `execution environment ended (${String(controller.signal.reason)}): this call was not made`,
    );
  type Next = (args: unknown) => Promise<unknown>;
  // Runs once per HTTP attempt (the deserialize step sits inside the SDK's retry loop).
  const middleware = (next: Next) => async (args: unknown) => {
    if (controller.signal.aborted) throw gone();
    const out = await next(args);
    if (controller.signal.aborted) throw gone();
    return out;
  };
  const environment: LocalEnvironment = {
    id: randomUUID(),
    signal: controller.signal,
    fence(client) {
      (client.middlewareStack.add as (m: unknown, o: unknown) => void)(middleware, {
        step: 'deserialize',
        name: 'celeriacLocalEnvironmentFence',
        priority: 'low',
      });
      fenced.push(client);
      return client;
    },
  };
  return {
    environment,
    kill(reason) {
      if (controller.signal.aborted) return;
      controller.abort(reason);
      for (const client of fenced) client.destroy();
    },
  };
}
