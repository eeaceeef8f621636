import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { createRegistry, createWorker, enqueueMany, task } from '../../runtime/internal.js';
import { localStack, waitForState } from './harness.js';

/** Body runs per task id, to see a re-run. */
const runs = new Map<string, number>();
const work = task('th.work', { queue: 'th' }, ({ n }: { n: number }, ctx) => {
  runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
  return n;
});
const registry = createRegistry({
  app: 'th',
  queues: { th: { batchSize: 10, maxConcurrency: 2 } },
  tasks: [work],
});

let stack: LocalStack;
/**
 * The first 9 attempts of each results write are refused, as DynamoDB refuses writes to a hot
 * partition: more than the SDK's own retries absorb, so only Celeriac's retry gets them in.
 */
let throttled = 0;
beforeAll(async () => {
  stack = await localStack(registry);
  const attempts = new Map<string, number>();
  stack.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      const input = args.input as { Item?: { id?: { S?: string } }; Key?: { id?: { S?: string } } };
      const id = input.Item?.id?.S ?? input.Key?.id?.S;
      if (/^(Put|Update)ItemCommand$/.test(name) && id && !id.startsWith('_')) {
        const n = (attempts.get(`${name}${id}`) ?? 0) + 1;
        attempts.set(`${name}${id}`, n);
        if (n <= 9) {
          throttled++;
          throw Object.assign(new Error('Throughput exceeds the current capacity for one or more indexes'), {
            name: 'ProvisionedThroughputExceededException',
            $fault: 'client',
          });
        }
      }
      return next(args);
    },
    // Below the SDK's own retries: each of its attempts sees the throttle, as from the service.
    { step: 'finalizeRequest', name: 'testThrottle' },
  );
  // One worker on the stack's own client, whose DynamoDB client this test instruments (the
  // default gives each lane a client of its own).
  stack.startWorkers({ waitTimeSeconds: 1, handler: createWorker(registry, { client: stack.client }) });
});
afterAll(() => stack?.stop());

it('throttled result writes are retried inside the invocation: every task stored, no body run twice', async () => {
  const handles = await enqueueMany(
    Array.from({ length: 30 }, (_, n) => ({ task: work, args: { n } })),
    { client: stack.client },
  );
  for (const h of handles) {
    if (!h.ok) throw new Error('enqueue failed');
    expect(await waitForState(stack, h.id, ['SUCCESS'], 60_000)).toMatchObject({ attempts: 1 });
  }
  expect(throttled).toBeGreaterThanOrEqual(30);
  expect([...runs.values()].every((n) => n === 1)).toBe(true);
  expect(runs.size).toBe(30);
});
