import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CeleriacClient, type CeleriacConfig, type Task, TaskState } from '../../runtime/index.js';
import { type CallCounts, countCalls, median } from './counting.js';

/** Enqueue → result in hand, one task at a time, with the reads each wait made. */
export interface WaitFigures {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly readsPerWait: number;
  readonly maxReadsPerWait: number;
}

/** The figures of both contenders, measured interleaved in one run. */
export interface LatencyReport {
  readonly ours: WaitFigures;
  /** A hand-written SDK loop: SendMessage, then GetItem every 2 ms until the item is final. */
  readonly loop2ms: WaitFigures;
}

/**
 * Time `runs` enqueue → result round trips through `handle.result()` and through a hand-written
 * 2 ms GetItem loop, alternating one of each, on the running local stack (its workers started).
 * Each side has its own SDK clients, so its reads are counted apart from the workers'.
 */
export async function measureResultLatency(
  config: CeleriacConfig,
  task: Task<unknown, unknown>,
  runs: number,
): Promise<LatencyReport> {
  const counts: CallCounts = new Map();
  const producer = new CeleriacClient({ config });
  countCalls(producer.dynamodb, counts);
  const reads = () => counts.get('GetItemCommand') ?? 0;
  const timeOurs = async () => {
    const before = reads();
    const t = performance.now();
    const handle = await task.enqueue(null, { client: producer });
    await handle.result({ timeout: '10s' });
    return { ms: performance.now() - t, reads: reads() - before };
  };
  const timeLoop = async () => {
    const before = reads();
    const t = performance.now();
    const handle = await task.enqueue(null, { client: producer });
    for (;;) {
      const out = await producer.dynamodb.send(
        new GetItemCommand({ TableName: config.table, Key: { id: { S: handle.id } }, ConsistentRead: true }),
      );
      if (out.Item?.state?.S === TaskState.SUCCESS) break;
      if (performance.now() - t > 10_000) throw new Error('2 ms loop: no result after 10 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    return { ms: performance.now() - t, reads: reads() - before };
  };
  const ours: { ms: number; reads: number }[] = [];
  const loop: { ms: number; reads: number }[] = [];
  const warmup = Math.min(20, runs);
  for (let i = -warmup; i < runs; i++) {
    const oursFirst = i % 2 === 0;
    const a = oursFirst ? await timeOurs() : await timeLoop();
    const b = oursFirst ? await timeLoop() : await timeOurs();
    if (i < 0) continue;
    ours.push(oursFirst ? a : b);
    loop.push(oursFirst ? b : a);
  }
  return { ours: figures(ours), loop2ms: figures(loop) };
}

function figures(samples: readonly { ms: number; reads: number }[]): WaitFigures {
  const ms = samples.map((s) => s.ms);
  const reads = samples.map((s) => s.reads);
  return {
    p50Ms: median(ms),
    p99Ms: percentile(ms, 0.99),
    readsPerWait: reads.reduce((a, b) => a + b, 0) / reads.length,
    maxReadsPerWait: Math.max(...reads),
  };
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
