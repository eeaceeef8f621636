/**
 * `npm run bench`: what users pay for, measured on the local stack.
 * Prints a table; `--json` prints one JSON object with each figure, each budget and the load.
 * Exits 1 when a budget fails.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startLocalStack } from '../../infra/local/stack.js';
import {
  type CeleriacClient,
  createRegistry,
  createWorker,
  enqueueMany,
  prepareMessage,
  type SqsEvent,
  task,
} from '../../runtime/internal.js';
import { maxReads } from '../../runtime/poll.js';
import { type Budget, checkBudgets } from './budgets.js';
import { bundle, ROOT, tempDir, writeSdkBaselineEntry } from './bundle.js';
import { measureColdStart } from './cold-start.js';
import { measureChordWriteUnits, measureCost } from './cost.js';
import { type CallCounts, countCalls, median, sum } from './counting.js';
import { measureDevLoop } from './dev-loop.js';
import { measureFaultThroughput } from './faults.js';
import { putResultHandler } from './fixtures/handler-sdk.js';
import { measureGroupWait } from './group-wait.js';
import { measureResultLatency } from './latency.js';
import { measureMemory } from './memory.js';
import { itemBytes } from './prices.js';
import { quietLogger } from './quiet.js';

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
const WAIT_RUNS = flags.quick ? 60 : 200;
const INIT_RUNS = flags.quick ? 9 : 31;
// A worker instance lives for many batches: 2,000 tasks per run is past the warm-up, when the
// bundle's code is compiled and its caches are filled (over 300 tasks the ratio reads higher).
const MEMORY_RUNS = flags.quick ? 1 : 3;
const MEMORY_BATCHES = flags.quick ? 30 : 200;
/** A marker string in the by-name fixture's handlers: must never reach a by-name producer. */
const HANDLER_MARKER = 'celeriac-handler-marker';

const noop = task('bench.noop', { queue: 'bench' }, () => null);
const registry = createRegistry({
  app: 'bench',
  queues: { bench: { batchSize: 10, maxConcurrency: 10 } },
  tasks: [noop],
});

async function main() {
  const loadBefore = loadavg();
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
    const worker = createWorker(registry, { client, logger: quietLogger() });
    const minimal = putResultHandler(client.dynamodb, client.config.table);
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
    // The mapping keeps running for the result waits below: a stopped mapping's abandoned long
    // polls would take the next messages off the queue until they expire.
    const [invocationsSoFar, busyMsSoFar] = [invocations, busyMs];
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
    const memoryGb = stack.plan.queues[0]!.memoryMb / 1024;
    const gbSecondsPerTask = (busyMsSoFar / 1000 / TASKS) * memoryGb;

    // 4. Enqueue → result in hand: handle.result() vs a hand-written 2 ms GetItem loop.
    say(`bench: enqueue → result, ${WAIT_RUNS} waits each way…`);
    const wait = await measureResultLatency(stack.config, noop, WAIT_RUNS);
    await esm!.stop();

    // 5. Bundles: the worker vs the same SDK clients alone; a by-name producer vs a bare-SDK one.
    say('bench: bundling the worker, a by-name producer and their SDK baselines with esbuild…');
    const dir = tempDir();
    const fixture = (name: string) => join(ROOT, 'test', 'bench', 'fixtures', name);
    const workerFile = join(dir, 'worker.mjs');
    const workerBytes = await bundle(join(ROOT, 'tasks', 'worker.ts'), workerFile);
    const baseline = writeSdkBaselineEntry(dir);
    const baselineFile = join(dir, 'baseline.mjs');
    const baselineBytes = await bundle(baseline.entry, baselineFile);
    const producerFile = join(dir, 'producer-by-name.mjs');
    const producerBytes = await bundle(fixture('producer-by-name.ts'), producerFile);
    const producerSdkBytes = await bundle(fixture('producer-sdk.ts'), join(dir, 'producer-sdk.mjs'));
    const producerHasHandlerCode = readFileSync(producerFile, 'utf8').includes(HANDLER_MARKER);

    // 6. Cold start: module load of each bundle in a process of its own, interleaved pairs.
    say(`bench: cold start, ${INIT_RUNS} interleaved pairs of fresh processes…`);
    const init = measureColdStart(workerFile, baselineFile, INIT_RUNS);

    // 7. Resident memory under load: the bundled worker vs the bundled hand-written handler.
    say(`bench: memory under load, ${MEMORY_RUNS} interleaved pairs of ${MEMORY_BATCHES * 10} tasks…`);
    // The baseline: the hand-written handler (the same conditional PutItem per task) with the
    // same SDK clients loaded as the runtime's, as the bundle-size and init baselines have.
    const handlerSdkFile = join(dir, 'baseline-handler.mjs');
    await bundle(writeSdkBaselineEntry(dir, fixture('handler-sdk.ts')).entry, handlerSdkFile);
    // The bundled worker runs this repository's registry (tasks/): its no-op task.
    const memory = measureMemory(
      stack.config,
      workerFile,
      'examples.noop',
      handlerSdkFile,
      MEMORY_BATCHES,
      MEMORY_RUNS,
    );

    say('bench: cost per result mode (1,000 tasks each, ConsumedCapacity), and a 1,000-member chord…');
    const costs = await measureCost({ tasks: 1_000 });
    const [chordUnits] = await measureChordWriteUnits([1_000]);
    if (!chordUnits) throw new Error('no chord measured');
    say('bench: waiting on a group of 1,000 members (batched reads vs one loop per member)…');
    const groupWait = await measureGroupWait({
      members: 1_000,
      endpoints: { sqs: stack.config.endpoints!.sqs!, dynamodb: stack.config.endpoints!.dynamodb! },
    });
    say('bench: celeriac dev, cold starts and reloads (the built bin, a small app)…');
    const devLoop = await measureDevLoop({ starts: 3, reloadsPerStart: 3 });

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
      result_item_bytes: itemSize,
      lambda_invocations_per_task: round(invocationsSoFar / TASKS, 3),
      lambda_gb_seconds_per_task: round(gbSecondsPerTask, 6),
      // What users pay, per result mode: write and read units from DynamoDB's own
      // ConsumedCapacity on every request (indexes included), priced per million tasks.
      ...Object.fromEntries(
        costs.flatMap((c) => [
          [`write_units_per_task_${c.mode}`, round(c.writeUnitsPerTask, 3)],
          [`cost_per_million_usd_${c.mode}`, round(c.perMillion.total, 3)],
        ]),
      ),
      chord_members: chordUnits.members,
      chord_write_units: round(chordUnits.writeUnits),
      chord_write_units_per_member: round(chordUnits.writeUnitsPerMember, 3),
      worker_bundle_bytes: workerBytes,
      sdk_baseline_bundle_bytes: baselineBytes,
      worker_bundle_overhead_bytes: workerBytes - baselineBytes,
      producer_by_name_bundle_bytes: producerBytes,
      producer_sdk_bundle_bytes: producerSdkBytes,
      producer_by_name_overhead_bytes: producerBytes - producerSdkBytes,
      producer_by_name_has_handler_code: producerHasHandlerCode,
      result_wait_p50_ms: round(wait.ours.p50Ms, 2),
      result_wait_p99_ms: round(wait.ours.p99Ms, 2),
      result_wait_reads_per_wait: round(wait.ours.readsPerWait, 2),
      result_wait_max_reads_per_wait: wait.ours.maxReadsPerWait,
      result_wait_read_bound_1s: maxReads(1_000),
      result_wait_read_bound_60s: maxReads(60_000),
      loop_2ms_wait_p50_ms: round(wait.loop2ms.p50Ms, 2),
      loop_2ms_wait_p99_ms: round(wait.loop2ms.p99Ms, 2),
      loop_2ms_reads_per_wait: round(wait.loop2ms.readsPerWait, 2),
      result_wait_p50_ratio: round(wait.ours.p50Ms / wait.loop2ms.p50Ms, 3),
      init_runs: init.runs,
      worker_init_ms: round(init.initMs, 2),
      baseline_init_ms: round(init.baselineInitMs, 2),
      worker_init_ratio: round(init.ratio, 3),
      worker_init_ratio_p10: round(init.ratioP10, 3),
      worker_init_ratio_p90: round(init.ratioP90, 3),
      worker_init_cpu_ms: round(init.cpuInitMs, 2),
      baseline_init_cpu_ms: round(init.cpuBaselineInitMs, 2),
      worker_init_cpu_ratio: round(init.cpuRatio, 3),
      worker_init_cpu_ratio_p10: round(init.cpuRatioP10, 3),
      worker_init_cpu_ratio_p90: round(init.cpuRatioP90, 3),
      memory_tasks_per_run: memory.tasksPerRun,
      worker_peak_rss_mb: round(memory.workerPeakMb, 1),
      baseline_peak_rss_mb: round(memory.baselinePeakMb, 1),
      worker_memory_ratio: round(memory.ratio, 3),
      group_wait_members: groupWait.members,
      group_wait_ms: round(groupWait.ms),
      group_wait_read_requests: groupWait.readRequests,
      group_wait_one_round_read_requests: groupWait.oneRound.readRequests,
      group_wait_per_member_loops_read_requests: groupWait.perMemberLoops.readRequests,
      group_wait_one_round_ms: round(groupWait.oneRound.ms),
      group_wait_per_member_loops_ms: round(groupWait.perMemberLoops.ms),
      dev_ready_ms: round(devLoop.readyMs),
      dev_ready_ms_runs: devLoop.readyMsAll.join(' '),
      dev_reload_ms: round(devLoop.reloadMs),
      dev_reload_ms_runs: devLoop.reloadMsAll.join(' '),
      proxy_clean_tasks_per_s: round(faults.clean.tasksPerS),
      proxy_throttle20_tasks_per_s: round(faults.faulted.tasksPerS),
      throttle20_throughput_ratio: round(faults.faulted.tasksPerS / faults.clean.tasksPerS, 3),
      throttle20_requests_throttled: faults.faulted.throttled,
      throttle20_requests_forwarded: faults.faulted.forwarded,
    };
    const budgets: Budget[] = [
      { figure: 'sqs_requests_per_task', at: 'most', limit: 0.35 },
      { figure: 'dynamodb_writes_per_task', at: 'most', limit: 1.0 },
      { figure: 'worker_overhead_ratio', at: 'most', limit: 1.25 },
      { figure: 'enqueue_ratio', at: 'least', limit: 0.9 },
      { figure: 'worker_bundle_overhead_bytes', at: 'most', limit: 100_000 },
      { figure: 'producer_by_name_overhead_bytes', at: 'most', limit: 100_000 },
      { figure: 'producer_by_name_has_handler_code', at: 'most', limit: 0 },
      { figure: 'result_wait_p50_ms', at: 'most', limit: 12 },
      { figure: 'result_wait_p99_ms', at: 'most', limit: 40 },
      // Cold start is gated on CPU time: on a loaded machine wall time mostly measures waiting
      // for a core (its pair ratios spread 0.6–2.5× here), which a Lambda sandbox does not do.
      // The wall-clock ratio and its spread are reported beside it.
      { figure: 'worker_init_cpu_ratio', at: 'most', limit: 1.15 },
      { figure: 'worker_memory_ratio', at: 'most', limit: 1.1 },
      { figure: 'cost_per_million_usd_always', at: 'most', limit: 0.85 },
      { figure: 'cost_per_million_usd_errors', at: 'most', limit: 0.2 },
      { figure: 'cost_per_million_usd_never', at: 'most', limit: 0.15 },
      { figure: 'dev_ready_ms', at: 'most', limit: 8_000 },
      { figure: 'dev_reload_ms', at: 'most', limit: 2_000 },
    ];
    const checked = checkBudgets(report, budgets);
    const load = { cpus: cpus().length, loadavg_before: loadBefore, loadavg_after: loadavg() };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...report, load, budgets: checked })}\n`);
    } else {
      const rows = Object.entries(report).filter(([, v]) => typeof v !== 'object');
      const width = Math.max(...rows.map(([k]) => k.length));
      console.log('\nCeleriac benchmark (local stack; prices from aws-limits.md)\n');
      for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
      console.log(
        `  ${'sqs_requests_by_call'.padEnd(width)}  ${JSON.stringify(report.sqs_requests_by_call)}`,
      );
      const avg = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
      console.log(
        `\nLoad: ${load.cpus} CPUs; load average (1/5/15 min) ${avg(load.loadavg_before)} before, ${avg(load.loadavg_after)} after`,
      );
      console.log('\nBudgets');
      for (const b of checked) {
        const op = b.at === 'most' ? '≤' : '≥';
        console.log(`  ${b.pass ? 'PASS' : 'FAIL'}  ${b.figure} = ${b.value} (${op} ${b.limit})`);
      }
    }
    if (checked.some((b) => !b.pass)) process.exitCode = 1;
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
