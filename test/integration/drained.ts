import type { LocalStack } from '../../infra/local/stack.js';
import { eventually, queueCounts } from './harness.js';

/**
 * Positive signal that every message sent to a queue so far has been handled: nothing visible,
 * in flight or delayed. A message is deleted only after its handler (and the continuation it
 * sends) finished, so what it spawned is then either done or counted on the queue.
 */
export async function drained(stack: LocalStack, queue = 'default'): Promise<void> {
  const url = stack.config.queues[queue]!.url;
  await eventually(
    async () => {
      const c = await queueCounts(stack, url);
      return c.visible + c.inFlight + c.delayed === 0 ? true : undefined;
    },
    20_000,
    `queue ${queue} to drain`,
  );
}
