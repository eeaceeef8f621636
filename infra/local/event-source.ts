import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueuePlan, SqsEvent, SqsRecord, WorkerHandler } from '../../runtime/internal.js';

/** Options of {@link EventSourceMapping}. */
export interface EventSourceOptions {
  readonly queue: QueuePlan;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly sqs: SQSClient;
  readonly handler: WorkerHandler;
  /** Long-poll wait. @default 20 s (SQS maximum, as Lambda's poller) */
  readonly waitTimeSeconds?: number;
  /** Called once per invocation, for the dev console. */
  readonly onInvoke?: (info: InvocationInfo) => void;
}

/** What one emulated invocation did. */
export interface InvocationInfo {
  readonly queue: string;
  readonly records: number;
  readonly failed: number;
  readonly outcome: 'ok' | 'error' | 'timeout' | 'invalid-response';
  readonly durationMs: number;
}

/** Counters since start. */
export interface EventSourceStats {
  invocations: number;
  records: number;
  deleted: number;
  reportedFailures: number;
  wholeBatchFailures: number;
}

/**
 * Emulates Lambda's SQS event source mapping for one queue: `maxConcurrency` pollers long-poll
 * the queue, gather up to `batchSize` records (within the batching window), invoke the worker
 * handler with a real-shaped SQS event and a Lambda-like context (request id, remaining time),
 * enforce the worker timeout, delete what succeeded and leave reported failures (and whole
 * batches on error or timeout) to reappear after their visibility timeout — as AWS does.
 *
 * @example
 * ```ts
 * const esm = new EventSourceMapping({ queue, queueUrl, queueArn, region, sqs, handler });
 * esm.start();
 * await esm.stop();
 * ```
 */
export class EventSourceMapping {
  readonly stats: EventSourceStats = {
    invocations: 0,
    records: 0,
    deleted: 0,
    reportedFailures: 0,
    wholeBatchFailures: 0,
  };
  readonly #options: EventSourceOptions;
  readonly #abort = new AbortController();
  #lanes: Promise<void>[] = [];
  /** Set by {@link EventSourceMapping.stopPolling}: no receive starts any more. */
  #draining = false;
  #receiving = 0;
  #idle: (() => void)[] = [];

  constructor(options: EventSourceOptions) {
    this.#options = options;
    // Every poller's in-flight receive listens on the same stop signal.
    setMaxListeners(Math.max(10, options.queue.maxConcurrency * 2), this.#abort.signal);
  }

  /** Start the pollers. */
  start(): void {
    if (this.#lanes.length) return;
    this.#lanes = Array.from({ length: this.#options.queue.maxConcurrency }, () => this.#lane());
  }

  /**
   * Stop receiving without cutting a receive short (an aborted long poll can take messages with
   * it until their visibility timeout): resolves once no receive is in flight; what those last
   * receives returned is still invoked. `celeriac dev` uses it to hand over to a reloaded app.
   */
  stopPolling(): Promise<void> {
    this.#draining = true;
    if (this.#receiving === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stop polling; resolves when in-flight invocations have finished. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#lanes);
    this.#lanes = [];
  }

  async #lane(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted && !this.#draining) {
      let messages: Message[];
      try {
        messages = await this.#gather(signal);
      } catch {
        if (signal.aborted) return;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length) await this.#invoke(messages);
    }
  }

  /** Receive up to batchSize messages: 10 per call, more calls while the batching window is open. */
  async #gather(signal: AbortSignal): Promise<Message[]> {
    const { queue, queueUrl, sqs } = this.#options;
    const wait = this.#options.waitTimeSeconds ?? 20;
    const windowEnds = Date.now() + queue.batchingWindowSeconds * 1000;
    const messages: Message[] = [];
    do {
      this.#receiving++;
      let out: ReceiveMessageCommandOutput;
      try {
        out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, queue.batchSize - messages.length),
            WaitTimeSeconds: messages.length ? 0 : wait,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
      } finally {
        if (--this.#receiving === 0 && this.#draining) for (const resolve of this.#idle.splice(0)) resolve();
      }
      messages.push(...(out.Messages ?? []));
      if (!out.Messages?.length && messages.length) {
        if (Date.now() >= windowEnds) break;
        await new Promise((r) => setTimeout(r, Math.min(250, windowEnds - Date.now())));
      }
    } while (
      messages.length < queue.batchSize &&
      Date.now() < windowEnds &&
      !signal.aborted &&
      !this.#draining
    );
    return messages;
  }

  async #invoke(messages: Message[]): Promise<void> {
    const { queue, handler, onInvoke } = this.#options;
    const records = messages.map((m) => this.#toRecord(m));
    const event: SqsEvent = { Records: records };
    const timeoutMs = queue.workerTimeoutSeconds * 1000;
    const started = Date.now();
    const context = {
      awsRequestId: randomUUID(),
      functionName: `${queue.queueName}-worker`,
      getRemainingTimeInMillis: () => Math.max(0, started + timeoutMs - Date.now()),
    };
    this.stats.invocations++;
    this.stats.records += records.length;
    let outcome: InvocationInfo['outcome'] = 'ok';
    let toDelete: SqsRecord[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      const response = await Promise.race([
        handler(event, context),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Task timed out')), timeoutMs);
        }),
      ]);
      const ids = new Set(records.map((r) => r.messageId));
      const failures = response?.batchItemFailures ?? [];
      if (failures.some((f) => !f.itemIdentifier || !ids.has(f.itemIdentifier))) {
        // Lambda treats a response naming unknown ids as a failure of the whole batch.
        outcome = 'invalid-response';
      } else {
        const failed = new Set(failures.map((f) => f.itemIdentifier));
        toDelete = records.filter((r) => !failed.has(r.messageId));
        this.stats.reportedFailures += failed.size;
      }
    } catch (err) {
      outcome = err instanceof Error && err.message === 'Task timed out' ? 'timeout' : 'error';
    } finally {
      clearTimeout(timer);
    }
    if (outcome !== 'ok') this.stats.wholeBatchFailures++;
    await this.#delete(toDelete);
    onInvoke?.({
      queue: queue.name,
      records: records.length,
      failed: records.length - toDelete.length,
      outcome,
      durationMs: Date.now() - started,
    });
  }

  async #delete(records: readonly SqsRecord[]): Promise<void> {
    const { sqs, queueUrl } = this.#options;
    for (let i = 0; i < records.length; i += 10) {
      const batch = records.slice(i, i + 10);
      try {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
          }),
        );
        this.stats.deleted += batch.length;
      } catch {
        // As in AWS: an undeleted message simply comes back after its visibility timeout.
      }
    }
  }

  #toRecord(m: Message): SqsRecord {
    const { queueArn, region } = this.#options;
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp,
        SenderId: m.Attributes?.SenderId,
        ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp,
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          { stringValue: v.StringValue, dataType: v.DataType, stringListValues: [], binaryListValues: [] },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    };
  }
}
