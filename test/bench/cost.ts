/**
 * What a million tasks cost, per result mode, measured from real requests on the local stack;
 * and the DynamoDB write units of a chord, to show they grow linearly with its size.
 *
 * Write and read units are DynamoDB's own figures: every DynamoDB request is sent with
 * `ReturnConsumedCapacity: 'INDEXES'` and the `ConsumedCapacity` of each response is summed
 * (DynamoDB Local reports it as AWS does: 1 unit per KB of item for the table, and per index
 * whose key or projected attributes change, 2 for an index key that moves). SQS requests and
 * Lambda invocations are counted at the SDK and the local event source; Lambda GB-s are the
 * measured handler time × the queue's memory. Prices: `prices.ts`.
 *
 * `npx tsx --conditions=celeriac-source test/bench/cost.ts [--quick] [--json]` prints the report;
 * `measureCost()` and `measureChordWriteUnits()` are for `npm run bench`.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.js';
import {
  chord,
  createRegistry,
  createWorker,
  enqueueMany,
  group,
  type ResultMode,
  task,
  type WorkerHandler,
} from '../../runtime/internal.js';
import { Prices } from './prices.js';
import { quietLogger } from './quiet.js';
import { scaleModel, tableLoad } from './scale-model.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Requests and capacity seen at the SDK clients. */
export interface Meter {
  sqsRequests: number;
  dynamoRequests: number;
  writeUnits: number;
  readUnits: number;
  /** Write units by table or index name (`table`, `byTask`, …). */
  writeUnitsBy: Record<string, number>;
}

const newMeter = (): Meter => ({
  sqsRequests: 0,
  dynamoRequests: 0,
  writeUnits: 0,
  readUnits: 0,
  writeUnitsBy: {},
});

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);
const READS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);

/**
 * Meter an SDK client: SQS requests are counted; DynamoDB requests are sent asking for their
 * consumed capacity, which is summed into `meter` (write units per table and index).
 *
 * @example
 * ```ts
 * const meter = newMeter();
 * meterClients(stack.sqs, stack.dynamodb, () => meter);
 * ```
 */
export function meterClients(sqs: SQSClient, dynamodb: DynamoDBClient, current: () => Meter): void {
  sqs.middlewareStack.add(
    (next) => async (args) => {
      current().sqsRequests++;
      return next(args);
    },
    { step: 'initialize', name: 'celeriacCostSqs' },
  );
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? '');
      const write = WRITES.has(name);
      if (write || READS.has(name)) {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      }
      const out = await next(args);
      const meter = current();
      meter.dynamoRequests++;
      const consumed = (out.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      for (const c of [consumed ?? []].flat()) {
        const units = c.CapacityUnits ?? 0;
        if (!write) {
          meter.readUnits += units;
          continue;
        }
        meter.writeUnits += units;
        const by = meter.writeUnitsBy;
        by.table = (by.table ?? 0) + (c.Table?.CapacityUnits ?? units);
        for (const [index, v] of Object.entries(c.GlobalSecondaryIndexes ?? {})) {
          by[index] = (by[index] ?? 0) + (v.CapacityUnits ?? 0);
        }
      }
      return out;
    },
    { step: 'initialize', name: 'celeriacCostDynamo' },
  );
}

/** Cost of one result mode, per task and per million tasks (USD). */
export interface ModeCost {
  readonly mode: ResultMode;
  readonly tasks: number;
  readonly sqsRequestsPerTask: number;
  readonly lambdaInvocationsPerTask: number;
  readonly lambdaGbSecondsPerTask: number;
  readonly writeUnitsPerTask: number;
  /** Write units per task by table / index (`table`, `byTask`, `byState`, `byRoot`). */
  readonly writeUnitsPerTaskBy: Readonly<Record<string, number>>;
  readonly readUnitsPerTask: number;
  /** Where each part of the cost per million goes. */
  readonly perMillion: {
    readonly sqs: number;
    readonly lambdaRequests: number;
    readonly lambdaCompute: number;
    readonly dynamodbWrites: number;
    readonly dynamodbReads: number;
    readonly total: number;
  };
}

/** Options of {@link measureCost}. */
export interface CostOptions {
  /** Tasks per mode. @default 1000 */
  readonly tasks?: number;
  /** Modes to measure. @default ['always', 'errors', 'never'] */
  readonly modes?: readonly ResultMode[];
  /** Worker memory (MB) the Lambda compute is billed at. @default 256 */
  readonly memoryMb?: number;
  /** Records per Lambda invocation. @default 10 */
  readonly batchSize?: number;
  /**
   * Concurrent invocations. Kept low by default: Lambda bills wall time, and on a shared laptop
   * more lanes only measure DynamoDB Local's queueing, not the handler. @default 2
   */
  readonly concurrency?: number;
}

const MODES: readonly ResultMode[] = ['always', 'errors', 'never'];

/**
 * Run `tasks` no-op tasks per result mode through the local stack (enqueueMany → SQS → the
 * event source in batches → the worker), and price what they sent.
 *
 * @example
 * ```ts
 * const costs = await measureCost({ tasks: 1000 });
 * costs.find((c) => c.mode === 'always')?.perMillion.total;
 * ```
 */
export async function measureCost(options: CostOptions = {}): Promise<ModeCost[]> {
  const n = options.tasks ?? 1_000;
  const modes = options.modes ?? MODES;
  const memoryMb = options.memoryMb ?? 256;
  // One queue per mode: a stopped event source's last long poll can never take the next mode's messages.
  const tasks = modes.map((mode) => task(`cost.${mode}`, { queue: mode, result: mode }, () => null));
  const batchSize = options.batchSize ?? 10;
  const queue = {
    batchSize,
    maxConcurrency: options.concurrency ?? 2,
    memoryMb,
    // Lambda takes batches over 10 only with a batching window.
    ...(batchSize > 10 ? { batchingWindow: '1s' as const } : {}),
  };
  const registry = createRegistry({
    app: 'cost',
    queues: Object.fromEntries(modes.map((mode) => [mode, queue])),
    tasks,
  });
  const stack = await startLocalStack({ registry, plan: { prefix: `c${Date.now() % 100000}` } });
  let meter = newMeter();
  meterClients(stack.sqs, stack.dynamodb, () => meter);
  const out: ModeCost[] = [];
  try {
    for (const [i, mode] of modes.entries()) {
      const handles = await enqueueMany(
        Array.from({ length: n }, () => ({ task: tasks[i]!, args: null })),
        { client: stack.client, concurrency: 4 },
      );
      if (handles.some((h) => !h.ok)) throw new Error('enqueueMany failed in the cost bench');
      // The enqueue requests count (SendMessageBatch); the meter was reset before them.
      const run = await drain(
        stack,
        mode,
        n,
        createWorker(registry, { client: stack.client, logger: quietLogger() }),
      );
      const m = meter;
      meter = newMeter();
      const per = (v: number) => v / n;
      const gbSeconds = per(run.busyMs / 1000) * (memoryMb / 1024);
      const parts = {
        sqs: per(m.sqsRequests) * Prices.sqsPerMillionRequests,
        lambdaRequests: per(run.invocations) * Prices.lambdaPerMillionRequests,
        lambdaCompute: gbSeconds * 1e6 * Prices.lambdaArmPerGbSecond,
        dynamodbWrites: per(m.writeUnits) * Prices.dynamoPerMillionWriteUnits,
        dynamodbReads: per(m.readUnits) * Prices.dynamoPerMillionReadUnits,
      };
      out.push({
        mode,
        tasks: n,
        sqsRequestsPerTask: round(per(m.sqsRequests)),
        lambdaInvocationsPerTask: round(per(run.invocations)),
        lambdaGbSecondsPerTask: round(gbSeconds, 7),
        writeUnitsPerTask: round(per(m.writeUnits)),
        writeUnitsPerTaskBy: Object.fromEntries(
          Object.entries(m.writeUnitsBy).map(([k, v]) => [k, round(per(v))]),
        ),
        readUnitsPerTask: round(per(m.readUnits)),
        perMillion: {
          ...(Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(v)])) as typeof parts),
          total: round(Object.values(parts).reduce((a, b) => a + b, 0)),
        },
      });
    }
  } finally {
    await stack.stop();
  }
  return out;
}

/** Start the workers, wait until `n` messages are deleted (the positive signal), stop them. */
async function drain(
  stack: LocalStack,
  queue: string,
  n: number,
  handler: WorkerHandler,
): Promise<{ invocations: number; busyMs: number }> {
  let invocations = 0;
  let busyMs = 0;
  const esms = stack.startWorkers({
    // One worker on the metered client (by default each lane would get a client of its own).
    handler,
    queues: [queue],
    waitTimeSeconds: 1,
    onInvoke: (i) => {
      invocations++;
      busyMs += i.durationMs;
    },
  });
  const deleted = () => esms.reduce((s, e) => s + e.stats.deleted, 0);
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 300_000;
    const check = () => {
      if (deleted() >= n) return resolve();
      if (Date.now() > deadline) return reject(new Error(`only ${deleted()} of ${n} tasks done`));
      setTimeout(check, 20);
    };
    check();
  });
  await Promise.all(esms.map((e) => e.stop()));
  return { invocations, busyMs };
}

/** DynamoDB write units of one chord run. */
export interface ChordWriteUnits {
  readonly members: number;
  /** Every write unit of the run: the members' joins, the body's own result and summary. */
  readonly writeUnits: number;
  readonly writeUnitsPerMember: number;
  readonly readUnits: number;
}

/**
 * Run chords of each size (members of a trivial task whose own result is not stored, a body
 * whose result is) and report the DynamoDB write units each consumed. Linear growth shows as a
 * constant `writeUnitsPerMember`.
 *
 * @example
 * ```ts
 * const [c100, c1000] = await measureChordWriteUnits([100, 1_000]);
 * ```
 */
export async function measureChordWriteUnits(
  sizes: readonly number[] = [100, 1_000],
): Promise<ChordWriteUnits[]> {
  const member = task('cost.member', { queue: 'cost', result: 'never' }, ({ i }: { i: number }) => i);
  const body = task('cost.body', { queue: 'cost' }, (results: number[]) => results.length);
  const registry = createRegistry({
    app: 'cost',
    queues: { cost: { batchSize: 10, maxConcurrency: 10 } },
    tasks: [member, body],
  });
  const stack = await startLocalStack({ registry, plan: { prefix: `h${Date.now() % 100000}` } });
  let meter = newMeter();
  meterClients(stack.sqs, stack.dynamodb, () => meter);
  // One worker on the metered client (by default each lane would get a client of its own).
  stack.startWorkers({
    waitTimeSeconds: 1,
    handler: createWorker(registry, { client: stack.client, logger: quietLogger() }),
  });
  const out: ChordWriteUnits[] = [];
  try {
    for (const size of sizes) {
      meter = newMeter();
      const h = await chord(
        group(...Array.from({ length: size }, (_, i) => member.si({ i }))),
        body.s(),
      ).apply({ client: stack.client });
      const n = await h.result({ timeout: '300s' });
      if (n !== size) throw new Error(`chord of ${size} returned ${String(n)}`);
      const m = meter;
      out.push({
        members: size,
        writeUnits: m.writeUnits,
        writeUnitsPerMember: round(m.writeUnits / size),
        readUnits: round(m.readUnits),
      });
    }
  } finally {
    await stack.stop();
  }
  return out;
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

async function main() {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } },
  });
  const tasks = values.quick ? 300 : 1_000;
  const costs = await measureCost({ tasks });
  // Batches of 20 (a batching window of 1 s): one summary per 20 successes.
  const batch20 = await measureCost({ tasks, modes: ['always'], batchSize: 20 });
  const chords = await measureChordWriteUnits(values.quick ? [100, 300] : [100, 1_000]);
  const budgets: Record<ResultMode, number> = { always: 0.85, errors: 0.2, never: 0.15 };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ costs, batch20, chords, budgets, scale: scaleModel() })}\n`);
    return;
  }
  console.log('\nCost per million tasks (no-op tasks, batches of 10, 256 MB arm64; prices in prices.ts)\n');
  for (const c of costs) {
    const ok = c.perMillion.total <= budgets[c.mode];
    console.log(
      `  result: '${c.mode}'  $${c.perMillion.total.toFixed(3)}  (budget $${budgets[c.mode]}: ${ok ? 'PASS' : 'FAIL'})`,
    );
    console.log(`    per million: ${JSON.stringify(c.perMillion)}`);
    console.log(
      `    per task: sqs ${c.sqsRequestsPerTask} req, lambda ${c.lambdaInvocationsPerTask} inv, ${c.lambdaGbSecondsPerTask} GB-s, ` +
        `${c.writeUnitsPerTask} WCU ${JSON.stringify(c.writeUnitsPerTaskBy)}, ${c.readUnitsPerTask} RCU`,
    );
  }
  for (const c of batch20) {
    console.log(
      `  result: '${c.mode}', batches of 20  $${c.perMillion.total.toFixed(3)}  per million: ${JSON.stringify(c.perMillion)}; ${c.writeUnitsPerTask} WCU/task`,
    );
  }
  console.log('\nChord write units (members of a task whose own result is not stored)\n');
  for (const c of chords) {
    console.log(
      `  ${String(c.members).padStart(6)} members: ${c.writeUnits} WCU, ${c.writeUnitsPerMember} per member, ${c.readUnits} RCU`,
    );
  }
  console.log('\nScale model (items ≤ 1 KB; 1,000 WCU/s per partition key; default shards)\n');
  for (const r of scaleModel()) {
    console.log(
      `  ${r.key}: ${r.partitions} partitions × 1,000 WCU/s ÷ ${r.wcuPerUnit} WCU = ceiling ${r.ceilingPerS.toLocaleString('en')} ${r.what}; at 10,000/s: ${(r.utilisation * 100).toFixed(1)}%`,
    );
  }
  const always = costs.find((c) => c.mode === 'always');
  if (always) {
    for (const rate of [10_000, Math.round(100e6 / 86_400)]) {
      const t = tableLoad(rate, always.writeUnitsPerTask);
      console.log(
        `  table: ${rate.toLocaleString('en')} tasks/s × ${always.writeUnitsPerTask} WCU = ${Math.round(t.wcuPerS).toLocaleString('en')} WCU/s (new on-demand table serves 4,000 at once: ${t.overInitialOnDemand ? 'pre-warm' : 'fits'}; default ceiling 40,000: ${t.underDefaultCeiling ? 'fits' : 'raise quota'})`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
