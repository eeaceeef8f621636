import { startLocalStack } from '../../infra/local/stack.js';
import { CeleriacClient, createRegistry, createWorker, enqueueMany, task } from '../../runtime/internal.js';
import { quietLogger } from './quiet.js';

/** One run of the fault-throughput measurement. */
export interface FaultRun {
  readonly tasksPerS: number;
  /** Requests the proxy throttled, and those it let through. */
  readonly throttled: number;
  readonly forwarded: number;
}

const noop = task('bench.fault-noop', { queue: 'faults' }, () => null);
const registry = createRegistry({
  app: 'benchf',
  queues: { faults: { batchSize: 10, maxConcurrency: 10, timeout: '20s' } },
  tasks: [noop],
});

/**
 * End-to-end throughput (enqueue, then workers until every task is deleted from the queue) of
 * `tasks` no-op tasks with every runtime call to SQS, DynamoDB and Scheduler going through the
 * fault proxy, without faults and at `throttle` (e.g. 0.2), on the given servers: after one
 * warm-up run, `trials` of each in alternating order; the median run of each is returned.
 *
 * @example
 * ```ts
 * const { clean, faulted } = await measureFaultThroughput({ sqs, dynamodb }, 1000, 0.2, 3);
 * ```
 */
export async function measureFaultThroughput(
  endpoints: { readonly sqs: string; readonly dynamodb: string },
  tasks: number,
  throttle: number,
  trials: number,
): Promise<{ clean: FaultRun; faulted: FaultRun }> {
  const run = async (rate: number): Promise<FaultRun> => {
    const stack = await startLocalStack({
      registry,
      plan: { prefix: `bf${Date.now() % 100000}` },
      endpoints,
      faults: { rates: { throttle: rate } },
    });
    try {
      const proxy = stack.faults!;
      const started = performance.now();
      const out = await enqueueMany(
        Array.from({ length: tasks }, () => ({ task: noop, args: null })),
        { client: stack.client, concurrency: 4 },
      );
      const accepted = out.filter((r) => r.ok).length;
      // As the stack's default (a worker per lane on its own fenced clients), without logs.
      const [esm] = stack.startWorkers({
        waitTimeSeconds: 1,
        createHandler: (environment) => {
          const own = new CeleriacClient({ config: stack.config });
          for (const sdk of [own.sqs, own.dynamodb, own.scheduler]) environment.fence(sdk);
          return createWorker(registry, { client: own, logger: quietLogger() });
        },
      });
      while (esm!.stats.deleted < accepted) await new Promise((r) => setTimeout(r, 50));
      const seconds = (performance.now() - started) / 1000;
      await esm!.stop();
      const t = proxy.stats.targets;
      return {
        tasksPerS: accepted / seconds,
        throttled: t.sqs.throttle + t.dynamodb.throttle + t.scheduler.throttle,
        forwarded: t.sqs.forwarded + t.dynamodb.forwarded + t.scheduler.forwarded,
      };
    } finally {
      await stack.stop();
    }
  };
  // A warm-up run (discarded: first-use costs in the servers), then the two alternate.
  await run(0);
  const cleanRuns: FaultRun[] = [];
  const faultedRuns: FaultRun[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const faultedFirst = trial % 2 === 0;
    const first = await run(faultedFirst ? throttle : 0);
    const second = await run(faultedFirst ? 0 : throttle);
    cleanRuns.push(faultedFirst ? second : first);
    faultedRuns.push(faultedFirst ? first : second);
  }
  const middle = (runs: FaultRun[]) => [...runs].sort((a, b) => a.tasksPerS - b.tasksPerS)[runs.length >> 1]!;
  const clean = middle(cleanRuns);
  const faulted = middle(faultedRuns);
  return { clean, faulted };
}
