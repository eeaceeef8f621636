import { describe, expect, it } from 'vitest';
import type { CeleriacClient, TaskRecord } from '../../runtime/index.js';
import { CeleriacError, TaskHandle } from '../../runtime/index.js';
import { maxReads, pollDelayMs } from '../../runtime/poll.js';

describe('adaptive polling', () => {
  it('reads every 2 ms while young, then 20 % of the time waited, capped by the interval', () => {
    expect(pollDelayMs(0)).toBe(2);
    expect(pollDelayMs(10)).toBe(2);
    expect(pollDelayMs(100)).toBe(20);
    expect(pollDelayMs(1_250)).toBe(250);
    expect(pollDelayMs(60_000)).toBe(250);
    expect(pollDelayMs(60_000, 1_000)).toBe(1_000);
    expect(pollDelayMs(0, 1)).toBe(1);
  });

  it('bounds the reads of a wait: logarithmic while backing off, then one per interval', () => {
    expect(maxReads(0)).toBe(1);
    expect(maxReads(10)).toBe(6); // at 0, 2, 4, 6, 8 and 10 (the deadline) ms
    // Past the back-off (5 × interval), each further interval costs one read.
    expect(maxReads(61_250) - maxReads(1_250)).toBe(240);
    for (const w of [50, 1_000, 10_000, 60_000]) {
      expect(maxReads(w)).toBeLessThanOrEqual(Math.ceil(w / 250) + 35);
    }
  });
});

/** A handle over a results store that reports a record `readyAfterMs` after its first read. */
function handleOver(readyAfterMs: number, record: Partial<TaskRecord>) {
  let first: number | undefined;
  let reads = 0;
  const client = {
    results: {
      get: async () => {
        reads++;
        first ??= performance.now();
        return performance.now() - first >= readyAfterMs ? (record as TaskRecord) : undefined;
      },
    },
  } as unknown as CeleriacClient;
  return { handle: new TaskHandle<number>('t-1', 'poll.test', client), reads: () => reads };
}

describe('TaskHandle.result() polling', () => {
  it('returns the result, within the read bound for the time it waited', async () => {
    const { handle, reads } = handleOver(30, { state: 'SUCCESS', result: 42 });
    const t0 = performance.now();
    expect(await handle.result()).toBe(42);
    expect(reads()).toBeLessThanOrEqual(maxReads(performance.now() - t0));
    expect(reads()).toBeGreaterThanOrEqual(2); // the first read found nothing
  });

  it('times out with WAIT_TIMEOUT, never over the read bound', async () => {
    const { handle, reads } = handleOver(Number.POSITIVE_INFINITY, {});
    const err = await handle.result({ timeout: '120ms' }).catch((e: unknown) => e);
    expect((err as CeleriacError).code).toBe('WAIT_TIMEOUT');
    expect(reads()).toBeLessThanOrEqual(maxReads(120));
  });

  it('rejects an interval under 1 ms instead of spinning', async () => {
    const { handle } = handleOver(0, { state: 'SUCCESS', result: 1 });
    const err = await handle.result({ interval: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CeleriacError);
    expect((err as CeleriacError).code).toBe('INVALID_DURATION');
  });
});
