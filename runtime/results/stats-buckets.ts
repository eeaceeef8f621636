import { TaskState } from '../constants.js';
import type { TaskRecord } from './record.js';

/** Counts and latencies of one time bucket. */
export interface StatsBucket {
  /** Bucket start, epoch ms. */
  readonly start: number;
  readonly counts: Readonly<Record<string, number>>;
  /** Finished tasks (SUCCESS + FAILURE) in the bucket: the throughput. */
  readonly finished: number;
  readonly failures: number;
  /** Run time of finished tasks, ms. */
  readonly runtimeP50?: number;
  readonly runtimeP95?: number;
  /** Time from enqueue to start, ms. */
  readonly waitP50?: number;
}

/**
 * Count rows into time buckets with throughput, failures and latency percentiles.
 *
 * @example
 * ```ts
 * const buckets = bucketize(rows, since, until, 60_000);
 * ```
 */
export function bucketize(
  rows: readonly Pick<TaskRecord, 'state' | 'updatedAt' | 'runtimeMs' | 'startedAt' | 'enqueuedAt'>[],
  since: number,
  until: number,
  bucketMs: number,
): StatsBucket[] {
  const n = Math.max(1, Math.ceil((until - since) / bucketMs));
  const acc = Array.from({ length: n }, () => ({
    counts: {} as Record<string, number>,
    runtimes: [] as number[],
    waits: [] as number[],
  }));
  for (const row of rows) {
    const i = Math.floor((row.updatedAt - since) / bucketMs);
    const b = acc[i];
    if (!b) continue;
    b.counts[row.state] = (b.counts[row.state] ?? 0) + 1;
    const finished = row.state === TaskState.SUCCESS || row.state === TaskState.FAILURE;
    if (finished && row.runtimeMs !== undefined) b.runtimes.push(row.runtimeMs);
    if (row.startedAt !== undefined && row.enqueuedAt !== undefined)
      b.waits.push(row.startedAt - row.enqueuedAt);
  }
  return acc.map((b, i) => ({
    start: since + i * bucketMs,
    counts: b.counts,
    finished: (b.counts.SUCCESS ?? 0) + (b.counts.FAILURE ?? 0),
    failures: b.counts.FAILURE ?? 0,
    ...percentiles(b.runtimes, 'runtime'),
    ...(b.waits.length ? { waitP50: percentile(b.waits, 0.5) } : {}),
  }));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function percentiles(values: number[], name: 'runtime'): Partial<StatsBucket> {
  if (!values.length) return {};
  return { [`${name}P50`]: percentile(values, 0.5), [`${name}P95`]: percentile(values, 0.95) };
}
