import { type CeleriacClient, getDefaultClient } from '../client.js';
import { Defaults } from '../constants.js';
import { createLogger, type Logger } from '../logger.js';
import { maxReceiveCountOf } from '../plan.js';
import type { Registry } from '../registry.js';
import { safeString } from '../results/record.js';
import { withCallDeadline } from '../sdk/call-deadline.js';
import { canvasContinuation } from './continuation.js';
import { deadLetterRecords, delayRecords, deleteRecords, type Located, resendRecords } from './effects.js';
import { FAIL, type Outcome } from './outcome.js';
import { mapLimit } from './pool.js';
import { RevocationHorizon } from './revocation-horizon.js';
import { RevocationView } from './revocation-view.js';
import { RevocationCache } from './revocations.js';
import { RunningTasks } from './revoke-watch.js';
import { type Decoded, decodeRecord, type RecordDeps, runRecord } from './run-record.js';
import { tableWorkerStore, type WorkerStore } from './store.js';
import { BatchSummaries, recordSuccessSummaries } from './success-summaries.js';
import type { BatchResponse, LambdaContextLike, SqsEvent, SqsRecord, WorkerHandler } from './types.js';

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** The client (config and SDK clients). @default the default client, from the environment */
  readonly client?: CeleriacClient;
  /** Records of one batch run at once. @default 10 */
  readonly concurrency?: number;
  /** Time kept back from the Lambda deadline to record outcomes. @default 1000 ms */
  readonly deadlineMarginMs?: number;
  readonly logger?: Logger;
  /**
   * How stale the worker's cached view of revocations may be: a revoked task picked up later
   * than this after its revocation is never run. The worker reads the revocation horizon (the
   * time of the newest revocation) at most this often; a batch whose messages were all minted
   * after it reads nothing more, others read their own ids and roots (one BatchGetItem),
   * reusing reads younger than this.
   * @default 1000 ms
   */
  readonly revocationRefreshMs?: number;
  /**
   * How often a running task is checked for revocation (it then gets its AbortSignal). Each
   * check reads the worker's shared revocation cache, so the DynamoDB cost is at most one
   * BatchGetItem per `revocationRefreshMs` per worker instance, not per task. @default 2000 ms
   */
  readonly revokeCheckMs?: number;
  /** Random source for backoff jitter. @default Math.random */
  readonly random?: () => number;
}

/**
 * Create the SQS worker Lambda handler for a registry. It returns a partial batch response:
 * one bad record never fails its neighbours. Creating it does no I/O.
 *
 * @example
 * ```ts
 * // tasks/worker.ts — the Lambda entry point
 * import { createWorker } from 'celeriac';
 * import { registry } from './index.js';
 * export const handler = createWorker(registry);
 * ```
 */
export function createWorker(registry: Registry, options: WorkerOptions = {}): WorkerHandler {
  const logger = options.logger ?? createLogger({ service: 'celeriac-worker' });
  const concurrency = options.concurrency ?? Defaults.RECORD_CONCURRENCY;
  const margin = options.deadlineMarginMs ?? Defaults.DEADLINE_MARGIN_MS;
  const random = options.random ?? Math.random;
  const refreshMs = options.revocationRefreshMs ?? Defaults.REVOCATION_REFRESH_MS;
  let queueIndex: Map<string, { url: string; dlqUrl: string }> | undefined;
  let revocations: RevocationView | undefined;
  let budgets: Map<string, number> | undefined;

  return async (event: SqsEvent, context: LambdaContextLike): Promise<BatchResponse> => {
    const client = options.client ?? getDefaultClient();
    // Every AWS call of this invocation is abandoned if still unanswered just before the
    // Lambda's end, so the batch response is always returned. Real time, not `client.now`
    // (a clock tests and apps may shift): the Lambda's end does not move with it.
    const end = Date.now() + context.getRemainingTimeInMillis() - Defaults.CALL_DEADLINE_SLACK_MS;
    return withCallDeadline(end, Date.now, () => handleBatch(client, event, context));
  };

  async function handleBatch(
    client: CeleriacClient,
    event: SqsEvent,
    context: LambdaContextLike,
  ): Promise<BatchResponse> {
    const log = logger.child({ requestId: context.awsRequestId });
    queueIndex ??= indexQueues(client);
    const deadline = client.now() + context.getRemainingTimeInMillis() - margin;
    const records = event.Records ?? [];
    const decoded = records.map(decodeRecord);
    revocations ??= revocationView(client, refreshMs, logger);
    // Only the batch's ids and workflow roots can matter, and only for messages minted before the
    // newest revocation; a failed read falls back to what is known.
    const revoked = await revocations.revokedAmong(
      decoded.flatMap(({ decoded: d }) => (d.ok ? [d.envelope] : [])),
    );

    const running = new RunningTasks(revocations, options.revokeCheckMs ?? Defaults.REVOKE_CHECK_MS);
    budgets ??= receiveBudgets(registry);
    const known = budgets;
    const deps: RecordDeps = {
      store: tableWorkerStore(client),
      workflow: canvasContinuation(client, deadline),
      registry,
      log,
      requestId: context.awsRequestId,
      now: client.now,
      deadline,
      random,
      running,
      receiveBudget: (queue) => known.get(queue) ?? Defaults.MIN_MAX_RECEIVE_COUNT,
    };
    const summaries = new BatchSummaries(decoded.length, client.now);
    const outcomes = await mapLimit(decoded, concurrency, async (item: Decoded, i): Promise<Outcome> => {
      try {
        return await runRecord(item, revoked, {
          ...deps,
          successSummary: (t) => summaries.beforeSuccess(i, t),
        });
      } catch (err) {
        log.error('record handling failed', { messageId: item.record.messageId, error: safeString(err) });
        return FAIL;
      } finally {
        summaries.finished(i);
      }
    });
    running.stop();
    await recordSuccessSummaries(client, summaries.uncarried(), log);
    return settle(client, deps.store, records, outcomes, queueIndex, log);
  }
}

/** The worker instance's revocation view: the horizon, then per-id reads where needed. */
function revocationView(client: CeleriacClient, refreshMs: number, logger: Logger): RevocationView {
  const read = { refreshMs, now: client.now, timeoutMs: Defaults.REVOCATION_READ_TIMEOUT_MS };
  const horizon = new RevocationHorizon(client.dynamodb, client.config.table, {
    ...read,
    onFallback: (error) =>
      logger.warn('revocation horizon unreadable; reading each id', { error: String(error) }),
  });
  const cache = new RevocationCache(client.dynamodb, client.config.table, {
    ...read,
    onFallback: (error, ids) =>
      logger.warn('revocations unreadable; using the last known state', {
        error: String(error),
        ids: ids.length,
      }),
  });
  return new RevocationView(horizon, cache);
}

/** Each queue's receive budget (its maxReceiveCount), by logical name. */
function receiveBudgets(registry: Registry): Map<string, number> {
  const tasks = [...registry.tasks.values()].map((t) => t.definition);
  return new Map(
    [...registry.queues.values()].map((q) => [
      q.name,
      maxReceiveCountOf(
        q,
        tasks.filter((t) => t.queue === q.name),
      ),
    ]),
  );
}

/** Map each configured queue's physical name (the ARN's last part) to its URLs. */
function indexQueues(client: CeleriacClient): Map<string, { url: string; dlqUrl: string }> {
  const index = new Map<string, { url: string; dlqUrl: string }>();
  for (const queue of Object.values(client.config.queues)) {
    index.set(queue.url.slice(queue.url.lastIndexOf('/') + 1), queue);
  }
  return index;
}

async function settle(
  client: CeleriacClient,
  store: WorkerStore,
  records: readonly SqsRecord[],
  outcomes: readonly Outcome[],
  queues: Map<string, { url: string; dlqUrl: string }>,
  log: Logger,
): Promise<BatchResponse> {
  const failures = new Set<string>();
  const retries: (Located & { delayMs: number })[] = [];
  const deferrals: (Located & { delayMs: number; body: string })[] = [];
  const deadLetters: (Located & { error: import('../results/record.js').SerializedError })[] = [];
  records.forEach((record, i) => {
    const outcome = outcomes[i]!;
    if (outcome.kind === 'ack') return;
    const queue = queues.get(record.eventSourceARN.slice(record.eventSourceARN.lastIndexOf(':') + 1));
    if (outcome.kind === 'fail' || !queue) {
      if (!queue)
        log.error('record from a queue not in the config', { eventSourceARN: record.eventSourceARN });
      failures.add(record.messageId);
      return;
    }
    const located = { record, queueUrl: queue.url, dlqUrl: queue.dlqUrl };
    if (outcome.kind === 'retry') {
      retries.push({ ...located, delayMs: outcome.delayMs });
      failures.add(record.messageId);
    } else if (outcome.kind === 'defer') {
      deferrals.push({ ...located, delayMs: outcome.delayMs, body: outcome.body });
    } else {
      deadLetters.push({ ...located, error: outcome.error });
    }
  });
  if (retries.length) {
    const notDelayed = await delayRecords(client.sqs, retries);
    if (notDelayed.size)
      log.warn('backoff not applied; retry after the queue visibility timeout', { count: notDelayed.size });
  }
  if (deferrals.length) {
    // A fresh copy (attempts spent carried in the envelope) replaces the message: the wait
    // neither counts as an attempt nor as a receive toward the queue's redrive to the DLQ.
    const notSent = await resendRecords(client.sqs, deferrals);
    for (const id of notSent) failures.add(id);
    if (notSent.size)
      log.warn('deferral copy not sent; message returns after its visibility timeout', {
        count: notSent.size,
      });
  }
  if (deadLetters.length) {
    const notCopied = await deadLetterRecords(client.sqs, deadLetters, client.now());
    for (const id of notCopied) failures.add(id);
    if (notCopied.size)
      log.error('dead-letter copy failed; message kept for retry', { count: notCopied.size });
    const copied = deadLetters.filter((d) => !notCopied.has(d.record.messageId));
    // One failure, one DLQ message: mark each copied message (a redelivery is then acknowledged
    // unrun) and delete it at once, so a batch that times out now cannot bring it back.
    await Promise.all(
      copied.map((d) =>
        store.markDeadLettered(d.record.messageId).catch((err: unknown) => {
          log.error('dead-letter mark not written', {
            messageId: d.record.messageId,
            error: safeString(err),
          });
        }),
      ),
    );
    await deleteRecords(client.sqs, copied);
    log.warn('dead-lettered', { count: copied.length });
  }
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
}
