import { randomUUID } from 'node:crypto';
import type { CeleriacClient } from '../client.js';
import type { Logger } from '../logger.js';
import { summaryItems } from '../results/batch-summary.js';
import type { Transition } from '../results/store.js';

/**
 * Write the batch's success summaries (one indexed item per task name and queue, listing the
 * successes this invocation stored), so lists and charts show them while each success item
 * stays unindexed. Throttled writes are retried inside the call. A summary that still cannot be
 * written is logged with every task id it would have listed: the results themselves are stored
 * and readable by id; only the lists miss them. The batch's messages are not failed for it (that
 * would run successful task bodies again).
 *
 * @example
 * ```ts
 * await recordSuccessSummaries(client, successes, log);
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
    await store.putSummaries(summaryItems(successes, client.now(), store.shards, randomUUID));
  } catch (err) {
    log.error('success summary not recorded: these successes are stored but missing from task lists', {
      error: String(err),
      taskIds: successes.map((t) => t.id).join(','),
    });
  }
}
