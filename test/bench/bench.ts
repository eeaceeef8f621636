/**
 * `npm run bench`: what users pay for, measured on the local stack.
 * Prints a table; `--json` prints one JSON object. No timed assertions: figures and ratios.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startLocalStack } from '../../infra/local/stack.js';
import {
  type CeleriacClient,
  createLogger,
  createRegistry,
  createWorker,
  enqueueMany,
  prepareMessage,
  type SqsEvent,
  task,
} from '../../runtime/index.js';
import { bundle, importTimeMs, ROOT, tempDir, writeSdkBaselineEntry } from './bundle.js';
import { type CallCounts, countCalls, median, sum } from './counting.js';
import { measureFaultThroughput } from './faults.js';
import { itemBytes, Prices } from './prices.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { values: flags } = parseArgs({
  options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } },
});
const say = (line: string) => {
  if (!flags.json) process.stderr.write(`${line}\n`);
};

const TASKS = flags.quick ? 300 : 1_000;
const ENQUEUE_TASKS = flags.quick ? 500 : 2_000;
const ENQUEUE_TRIALS = flags.quick ? 3 : 9;
const WORKER_TRIALS = flags.quick ? 3 : 9;

const noop = task('bench.noop', { queue: 'bench' }, () => null);
const registry = createRegistry({
  app: 'bench',
  queues: { bench: { batchSize: 10, maxConcurrency: 10 } },
  tasks: [noop],
});

async function main() {
  say('bench: starting the local stack (fauxqs + DynamoDB Local)…');
  const stack = await startLocalStack({ registry, plan: { prefix: `b${Date.now() % 100000}` } });
  try {
    const counts: CallCounts = new Map();
    countCalls(stack.sqs, counts);
    countCalls(stack.dynamodb, counts);
    const client = stack.client;
    const queueUrl = stack.config.queues.bench!.url;
    const purge = () => stack.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));

    // 1. Enqueue throughput: enqueueMany vs a hand-written SendMessageBatch loop, same concurrency.
    say(`bench: enqueue ${ENQUEUE_TASKS} tasks × ${ENQUEUE_TRIALS} trials each way…`);
    const ours: number[] = [];
    const raw: number[] = [];
    // Trial -1 warms up the JIT of both Node and DynamoDB Local; it is not counted. The order of
    // the two contenders alternates per trial, so drift (GC, queue growth) favours neither.
    const timeEnqueueMany = async () => {
      await purge();
      const t = performance.now();
      const results = await enqueueMany(
        Array.from({ length: ENQUEUE_TASKS }, () => ({ task: noop, args: null })),
        { client, concurrency: 4 },
      );
      if (results.some((r) => !r.ok)) throw new Error('enqueueMany failed in the benchmark');
      return ENQUEUE_TASKS / ((performance.now() - t) / 1000);
    };
    const timeRawLoop = async () => {
      await purge();
      const t = performance.now();
      await handWrittenSendLoop(client, queueUrl, ENQUEUE_TASKS, 4);
      return ENQUEUE_TASKS / ((performance.now() - t) / 1000);
    };
    for (let trial = -1; trial < ENQUEUE_TRIALS; trial++) {
      const first = trial % 2 === 0 ? 'ours' : 'raw';
      const a = first === 'ours' ? await timeEnqueueMany() : await timeRawLoop();
      const b = first === 'ours' ? await timeRawLoop() : await timeEnqueueMany();
      if (trial < 0) continue;
      ours.push(first === 'ours' ? a : b);
      raw.push(first === 'ours' ? b : a);
    }
    await purge();
    const enqueueOurs = median(ours);
    const enqueueRaw = median(raw);

    // 2. Worker overhead: our handler vs a minimal handler doing the same DynamoDB write.
    say('bench: worker overhead on no-op tasks (direct invocation, batches of 10)…');
    const worker = createWorker(registry, { client, logger: createLogger({}, () => undefined) });
    const minimal = minimalHandler(client);
    const batches = TASKS / 10;
    const ourTimes: number[] = [];
    const minTimes: number[] = [];
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 };
    // As for enqueue: a warm-up trial, then the order of the two handlers alternates per trial.
    const timeHandler = async (handle: (e: SqsEvent) => Promise<unknown>) => {
      const events = await syntheticEvents(client, queueUrl, batches);
      const t = performance.now();
      for (const e of events) await handle(e);
      return (performance.now() - t) / TASKS;
    };
    const ourHandler = (e: SqsEvent) => worker(e, context);
    for (let trial = -1; trial < WORKER_TRIALS; trial++) {
      const oursFirst = trial % 2 === 0;
      const a = await timeHandler(oursFirst ? ourHandler : minimal);
      const b = await timeHandler(oursFirst ? minimal : ourHandler);
      if (trial < 0) continue;
      ourTimes.push(oursFirst ? a : b);
      minTimes.push(oursFirst ? b : a);
    }
    const workerMs = median(ourTimes);
    const minimalMs = median(minTimes);

    // 3. Requests per task on the success path: enqueueMany → event source (batches of 10) → worker.
    say('bench: counting SDK requests on the success path…');
    await purge();
    counts.clear();
    const handles = await enqueueMany(
      Array.from({ length: TASKS }, () => ({ task: noop, args: null })),
      { client, concurrency: 4 },
    );
    let invocations = 0;
    let busyMs = 0;
    const [esm] = stack.startWorkers({
      handler: worker,
      waitTimeSeconds: 1,
      onInvoke: (i) => {
        invocations++;
        busyMs += i.durationMs;
      },
    });
    const writeCalls = [
      'UpdateItemCommand',
      'PutItemCommand',
      'BatchWriteItemCommand',
      'TransactWriteItemsCommand',
    ];
    while (sum(counts, writeCalls) < TASKS || esm!.stats.deleted < TASKS)
      await new Promise((r) => setTimeout(r, 50));
    await Promise.all(stack.startWorkers({ queues: [] }).map((m) => m.stop()));
    await esm!.stop();
    const sqsCalls = [...counts].filter(
      ([k]) => !k.includes('Item') && !k.includes('Query') && !k.includes('Transact'),
    );
    const sqsRequests = sqsCalls.reduce((n, [, v]) => n + v, 0);
    const dynamoWrites = sum(counts, writeCalls);
    const dynamoReads = sum(counts, ['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand']);
    const sample = await stack.dynamodb.send(
      new GetItemCommand({
        TableName: stack.config.table,
        Key: { id: { S: handles[0]!.ok ? handles[0]!.id : '' } },
      }),
    );
    const itemSize = itemBytes(unmarshall(sample.Item ?? {}));
    const indexBytes = itemBytes(
      Object.fromEntries(
        Object.entries(unmarshall(sample.Item ?? {})).filter(([k]) =>
          ['id', 'gsTask', 'gsTime', ...stack.plan.table.indexes[0]!.projected].includes(k),
        ),
      ),
    );
    // Write units: the item (per KB) + one write to each index the item lands in (byTask only on success).
    const writeUnitsPerTask =
      (dynamoWrites / TASKS) * (Math.ceil(itemSize / 1024) + Math.ceil(indexBytes / 1024));
    // Each read is one strongly consistent item of ≤ 4 KB (the workers' revocation list): 1 read unit.
    const readUnitsPerTask = dynamoReads / TASKS;
    const memoryGb = stack.plan.queues[0]!.memoryMb / 1024;
    const gbSecondsPerTask = (busyMs / 1000 / TASKS) * memoryGb;
    const costPerMillion =
      (sqsRequests / TASKS) * Prices.sqsPerMillionRequests +
      (invocations / TASKS) * Prices.lambdaPerMillionRequests +
      gbSecondsPerTask * 1e6 * Prices.lambdaArmPerGbSecond +
      writeUnitsPerTask * Prices.dynamoPerMillionWriteUnits +
      readUnitsPerTask * Prices.dynamoPerMillionReadUnits;

    // 4. Bundle size and module load time vs a handler importing only the same SDK clients.
    say('bench: bundling the worker and the SDK baseline with esbuild…');
    const dir = tempDir();
    const workerBytes = await bundle(join(ROOT, 'tasks', 'worker.ts'), join(dir, 'worker.mjs'));
    const baseline = writeSdkBaselineEntry(dir);
    const baselineBytes = await bundle(baseline.entry, join(dir, 'baseline.mjs'));
    const workerInit = importTimeMs(join(dir, 'worker.mjs'));
    const baselineInit = importTimeMs(join(dir, 'baseline.mjs'));

    // 5. End-to-end throughput through the fault proxy, clean and at 20% throttling of every service.
    say(`bench: ${TASKS} tasks through the fault proxy, without faults and at 20% throttling…`);
    const faults = await measureFaultThroughput(
      { sqs: stack.config.endpoints!.sqs!, dynamodb: stack.config.endpoints!.dynamodb! },
      TASKS,
      0.2,
      flags.quick ? 1 : 3,
    );

    const report = {
      tasks: TASKS,
      enqueue_tasks_per_s: round(enqueueOurs),
      baseline_enqueue_tasks_per_s: round(enqueueRaw),
      enqueue_ratio: round(enqueueOurs / enqueueRaw, 3),
      worker_ms_per_task: round(workerMs, 3),
      baseline_worker_ms_per_task: round(minimalMs, 3),
      worker_overhead_ratio: round(workerMs / minimalMs, 3),
      sqs_requests_per_task: round(sqsRequests / TASKS, 3),
      sqs_requests_by_call: Object.fromEntries(sqsCalls),
      dynamodb_writes_per_task: round(dynamoWrites / TASKS, 3),
      dynamodb_reads_per_task: round(dynamoReads / TASKS, 3),
      dynamodb_write_units_per_task: round(writeUnitsPerTask, 3),
      result_item_bytes: itemSize,
      lambda_invocations_per_task: round(invocations / TASKS, 3),
      lambda_gb_seconds_per_task: round(gbSecondsPerTask, 6),
      cost_per_million_usd: round(costPerMillion, 3),
      worker_bundle_bytes: workerBytes,
      sdk_baseline_bundle_bytes: baselineBytes,
      worker_bundle_overhead_bytes: workerBytes - baselineBytes,
      worker_init_ms: round(workerInit, 2),
      baseline_init_ms: round(baselineInit, 2),
      worker_init_ratio: round(workerInit / baselineInit, 3),
      proxy_clean_tasks_per_s: round(faults.clean.tasksPerS),
      proxy_throttle20_tasks_per_s: round(faults.faulted.tasksPerS),
      throttle20_throughput_ratio: round(faults.faulted.tasksPerS / faults.clean.tasksPerS, 3),
      throttle20_requests_throttled: faults.faulted.throttled,
      throttle20_requests_forwarded: faults.faulted.forwarded,
    };
    const budgets: [string, boolean][] = [
      ['sqs_requests_per_task ≤ 0.35', report.sqs_requests_per_task <= 0.35],
      ['dynamodb_writes_per_task ≤ 1.0', report.dynamodb_writes_per_task <= 1.0],
      ['worker_overhead_ratio ≤ 1.25', report.worker_overhead_ratio <= 1.25],
      ['enqueue_ratio ≥ 0.9', report.enqueue_ratio >= 0.9],
      ['worker bundle − SDK baseline ≤ 100,000 B', report.worker_bundle_overhead_bytes <= 100_000],
      ['worker_init_ratio ≤ 1.3', report.worker_init_ratio <= 1.3],
    ];
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...report, budgets: Object.fromEntries(budgets) })}\n`);
    } else {
      const rows = Object.entries(report).filter(([, v]) => typeof v !== 'object');
      const width = Math.max(...rows.map(([k]) => k.length));
      console.log('\nCeleriac benchmark (local stack; prices from aws-limits.md)\n');
      for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
      console.log(
        `  ${'sqs_requests_by_call'.padEnd(width)}  ${JSON.stringify(report.sqs_requests_by_call)}`,
      );
      console.log('\nBudgets');
      for (const [name, ok] of budgets) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}`);
    }
  } finally {
    await stack.stop();
  }
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** What a developer would write by hand: JSON bodies, batches of 10, the same concurrency. */
async function handWrittenSendLoop(client: CeleriacClient, queueUrl: string, n: number, concurrency: number) {
  let sent = 0;
  const lane = async () => {
    while (sent < n) {
      const size = Math.min(10, n - sent);
      sent += size;
      await client.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: size }, (_, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify({
              id: randomUUID(),
              task: 'bench.noop',
              args: null,
              enqueuedAt: Date.now(),
            }),
          })),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** Real-shaped SQS events carrying real envelopes, as the event source would deliver them. */
async function syntheticEvents(
  client: CeleriacClient,
  queueUrl: string,
  batches: number,
): Promise<SqsEvent[]> {
  const arn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.slice(queueUrl.lastIndexOf('/') + 1)}`;
  const events: SqsEvent[] = [];
  for (let b = 0; b < batches; b++) {
    const records = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const msg = await prepareMessage(noop, null, {}, client);
        return {
          messageId: `${b}-${i}`,
          receiptHandle: `rh-${b}-${i}`,
          body: msg.body,
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
          eventSource: 'aws:sqs',
          eventSourceARN: arn,
        };
      }),
    );
    events.push({ Records: records });
  }
  return events;
}

/**
 * A hand-written minimal SQS handler: parse the body, write the same result item (same
 * attributes, same index keys, same create-only condition) with one PutItem per record,
 * report no failures.
 */
function minimalHandler(client: CeleriacClient) {
  const table = client.config.table;
  return async (event: SqsEvent) => {
    await Promise.all(
      event.Records.map(async (record) => {
        const env = JSON.parse(record.body) as {
          id: string;
          task: string;
          queue: string;
          enqueuedAt: number;
        };
        const now = Date.now();
        const s = (v: string) => ({ S: v });
        const n = (v: number) => ({ N: String(v) });
        await client.dynamodb.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              id: s(env.id),
              state: s('SUCCESS'),
              task: s(env.task),
              queue: s(env.queue),
              attempts: n(1),
              rootId: s(env.id),
              tags: { L: [] },
              updatedAt: n(now),
              enqueuedAt: n(env.enqueuedAt),
              startedAt: n(now),
              finishedAt: n(now),
              runtimeMs: n(0),
              requestId: s('bench'),
              expiresAt: n(Math.ceil(now / 1000) + 604_800),
              gsTime: s(`${new Date(now).toISOString()}#${env.id}`),
              gsTask: s(`${env.task}#0`),
              args: s('null'),
              result: s('null'),
              history: { L: [{ M: { state: s('SUCCESS'), at: n(now), attempt: n(1) } }] },
            },
            // The same write as the worker's: a duplicate delivery must not replace a stored result.
            ConditionExpression: 'attribute_not_exists(#id)',
            ExpressionAttributeNames: { '#id': 'id' },
          }),
        );
      }),
    );
    return { batchItemFailures: [] };
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
