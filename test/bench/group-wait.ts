/**
 * Waiting on a big group: how long, and how many DynamoDB read requests the wait costs.
 * Called by `npm run bench`; runnable alone: `npx tsx test/bench/group-wait.ts [members]`.
 */
import { pathToFileURL } from 'node:url';
import { startLocalStack } from '../../infra/local/stack.js';
import {
  CeleriacClient,
  createRegistry,
  createWorker,
  group,
  TaskHandle,
  task,
  WorkflowHandle,
} from '../../runtime/internal.js';
import { type CallCounts, countCalls, sum } from './counting.js';
import { quietLogger } from './quiet.js';

/** Read requests a wait can make. */
const READS = ['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand'] as const;

/** What {@link measureGroupWait} measured. */
export interface GroupWaitFigures {
  /** Members in the group. */
  readonly members: number;
  /**
   * From `apply()` to the group's results in hand: sending 1,000 messages and running them on
   * the local worker (batches of 10, concurrency 10) dominate it.
   */
  readonly ms: number;
  /** DynamoDB read requests the wait made over that time (the waiting client's only). */
  readonly readRequests: number;
  /** One more wait once every member is done: one round of batched reads. */
  readonly oneRound: { readonly ms: number; readonly readRequests: number };
  /** The same finished group read the old way, one `TaskHandle.result()` per member, for comparison. */
  readonly perMemberLoops: { readonly ms: number; readonly readRequests: number };
}

/** Options of {@link measureGroupWait}. */
export interface GroupWaitOptions {
  /** @default 1000 */
  readonly members?: number;
  /** Reuse running local servers instead of starting new ones. */
  readonly endpoints?: { readonly sqs?: string; readonly dynamodb?: string };
}

const member = task('bench.group-member', { queue: 'groupwait' }, ({ i }: { i: number }) => i);

/**
 * Start a local stack, apply a group of `members` tasks, wait for its results through a client
 * of its own whose DynamoDB requests are counted, then stop the stack.
 *
 * @example
 * ```ts
 * const { ms, readRequests } = await measureGroupWait({ members: 1_000 });
 * ```
 */
export async function measureGroupWait(options: GroupWaitOptions = {}): Promise<GroupWaitFigures> {
  const members = options.members ?? 1_000;
  const registry = createRegistry({
    app: 'benchgroup',
    queues: { groupwait: { batchSize: 10, maxConcurrency: 10 } },
    tasks: [member],
  });
  const stack = await startLocalStack({
    registry,
    plan: { prefix: `g${Date.now() % 100000}` },
    ...(options.endpoints ? { endpoints: options.endpoints } : {}),
  });
  const waiter = new CeleriacClient({ config: stack.config });
  try {
    const counts: CallCounts = new Map();
    countCalls(waiter.dynamodb, counts);
    stack.startWorkers({
      waitTimeSeconds: 1,
      handler: createWorker(registry, { client: stack.client, logger: quietLogger() }),
    });
    const started = performance.now();
    const applied = await group(...Array.from({ length: members }, (_, i) => member.si({ i }))).apply({
      client: stack.client,
    });
    const handle = new WorkflowHandle<number[]>(applied.rootId, applied.ref, waiter);
    const results = await handle.result({ timeout: '10m' });
    const ms = performance.now() - started;
    if (results.length !== members || results.some((r, i) => r !== i)) {
      throw new Error('group wait bench: results out of order');
    }
    const readRequests = sum(counts, READS);

    counts.clear();
    let t = performance.now();
    await handle.result({ timeout: '60s' });
    const oneRound = { ms: performance.now() - t, readRequests: sum(counts, READS) };

    counts.clear();
    t = performance.now();
    await Promise.all(
      applied.resultIds.map((id) => new TaskHandle(id, member.name, waiter).result({ timeout: '60s' })),
    );
    const perMemberLoops = { ms: performance.now() - t, readRequests: sum(counts, READS) };
    return { members, ms, readRequests, oneRound, perMemberLoops };
  } finally {
    waiter.dynamodb.destroy();
    await stack.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const members = Number(process.argv[2] ?? 1_000);
  measureGroupWait({ members }).then(
    (figures) => process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`),
    (err) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
