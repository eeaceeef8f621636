import { randomUUID } from 'node:crypto';
import type { CeleriacClient } from '../client.js';
import type { Logger } from '../logger.js';
import { packRows, SUMMARY_MAX_ENTRIES, summaryItems } from '../results/batch-summary.js';
import type { Transition } from '../results/store.js';
import { putSummaryItems } from '../results/write.js';

/** What a SUCCESS write may carry, and the call that reports how it went (always called once). */
export interface SummaryCarry {
  /** The batch's other successes to pack into this task's own item, when it is the carrier. */
  readonly summary?: { readonly entries: string };
  settle(outcome: { readonly written: boolean; readonly carried: boolean }): void;
}

/**
 * Lists a worker batch's successes at the lowest cost. The last record of the batch to finish,
 * when it is a success, writes its own item with the other successes of its task and queue
 * packed in (`entries`), indexed in `byTask`: one index write for the whole batch and no extra
 * item, as long as the item stays within 1 KB (the store checks). Whatever is not carried that
 * way is listed by separate summary items after the batch ({@link recordSuccessSummaries}).
 *
 * @example
 * ```ts
 * const summaries = new BatchSummaries(records.length, client.now);
 * // per record i: deps.successSummary = (t) => summaries.beforeSuccess(i, t); finally summaries.finished(i)
 * await recordSuccessSummaries(client, summaries.uncarried(), log);
 * ```
 */
export class BatchSummaries {
  readonly #total: number;
  readonly #now: () => number;
  readonly #arrived = new Set<number>();
  readonly #pending: Promise<void>[] = [];
  readonly #written: Transition[] = [];
  readonly #carried = new Set<Transition>();

  constructor(total: number, now: () => number) {
    this.#total = total;
    this.#now = now;
  }

  /** Record `index` is done (whatever its outcome). */
  finished(index: number): void {
    this.#arrived.add(index);
  }

  /** Record `index` is about to write SUCCESS for `t`. */
  async beforeSuccess(index: number, t: Transition): Promise<SummaryCarry> {
    this.#arrived.add(index);
    const last = this.#arrived.size === this.#total;
    if (!last) {
      let done!: () => void;
      this.#pending.push(new Promise<void>((resolve) => (done = resolve)));
      return {
        settle: ({ written }) => {
          if (written) this.#written.push(t);
          done();
        },
      };
    }
    // Every other record has finished or is writing: wait for those writes, then carry them.
    await Promise.all(this.#pending);
    const mine = this.#written
      .filter((o) => o.task === t.task && o.queue === t.queue)
      .slice(0, SUMMARY_MAX_ENTRIES);
    const settleOwn = ({ written, carried }: { written: boolean; carried: boolean }) => {
      if (!written) return;
      this.#written.push(t);
      if (carried) for (const o of [t, ...mine]) this.#carried.add(o);
    };
    // A carrier with nothing else to pack still lists itself: its own index entry (one write
    // unit, in the same PutItem) is cheaper than a separate summary item (two).
    return { summary: { entries: packRows(mine, this.#now()) }, settle: settleOwn };
  }

  /** Successes written in this batch that no carrier lists. */
  uncarried(): Transition[] {
    return this.#written.filter((t) => !this.#carried.has(t));
  }
}

/**
 * Write separate success summaries (one indexed item per task name and queue) for successes no
 * carrier listed. Throttled writes are retried inside the call. A summary that still cannot be
 * written is logged with every task id it would have listed: the results themselves are stored
 * and readable by id; only the lists miss them. The batch's messages are not failed for it (that
 * would run successful task bodies again).
 *
 * @example
 * ```ts
 * await recordSuccessSummaries(client, summaries.uncarried(), log);
 * ```
 */
export async function recordSuccessSummaries(
  client: CeleriacClient,
  successes: readonly Transition[],
  log: Logger,
): Promise<void> {
  if (successes.length === 0) return;
  const store = client.results;
  try {
    await putSummaryItems(store, summaryItems(successes, client.now(), store.shards, randomUUID));
  } catch (err) {
    log.error('success summary not recorded: these successes are stored but missing from task lists', {
      error: String(err),
      taskIds: successes.map((t) => t.id).join(','),
    });
  }
}
