import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type QueuePlan,
  SettingLimits,
  type SqsEvent,
  type SqsRecord,
  type WorkerHandler,
} from '../../runtime/internal.js';
import { createEnvironment, type LocalEnvironment } from './environment.js';

/** Options of {@link EventSourceMapping}. */
export interface EventSourceOptions {
  readonly queue: QueuePlan;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly sqs: SQSClient;
  /**
   * The handler of each execution environment: called once per concurrent lane, and again
   * when a timeout has killed the lane's environment (a cold start). Fence the SDK clients
   * it uses with `environment.fence` so a timed-out invocation can make no more AWS calls.
   */
  readonly createHandler?: (environment: LocalEnvironment) => WorkerHandler | Promise<WorkerHandler>;
  /** One handler shared by every lane instead (e.g. an imported bundle); nothing is fenced. */
  readonly handler?: WorkerHandler;
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
  readonly outcome: 'ok' | 'error' | 'timeout' | 'killed' | 'invalid-response';
  /** From the invocation until its handler settled (what Lambda bills), not the deletes after. */
  readonly durationMs: number;
  /** The execution environment (lane instance) that ran it. */
  readonly environment: string;
  /** Bytes of the event's JSON (Lambda caps a synchronous invoke at 6 MB). */
  readonly eventBytes: number;
}

/** Counters since start. */
export interface EventSourceStats {
  invocations: number;
  records: number;
  deleted: number;
  reportedFailures: number;
  wholeBatchFailures: number;
  /** Execution environments started (one per lane, plus one after each timeout). */
  environments: number;
}

/** One concurrent lane: its execution environment and messages received past the 6 MB cap. */
interface Lane {
  environment?: {
    readonly environment: LocalEnvironment;
    kill(reason: string): void;
    handler: WorkerHandler;
  };
  carry: Message[];
  /** Set while an invocation runs: ends it as if its process died ({@link EventSourceMapping.kill}). */
  crash?: (reason: string) => void;
}

/** How a killed invocation ends its race. */
class Killed extends Error {}

/** Lambda's synchronous invoke payload limit, which caps an SQS batch whatever its size. */
export const MAX_EVENT_BYTES = SettingLimits.LAMBDA_MAX_INVOKE_PAYLOAD_BYTES;
/** `{"Records":[]}` and the commas between records. */
const EVENT_OVERHEAD_BYTES = 16;

/**
 * Emulates Lambda's SQS event source mapping for one queue: `maxConcurrency` pollers long-poll
 * the queue, gather up to `batchSize` records (within the batching window, and at most 6 MB of
 * event: records past it wait for the lane's next invocation), invoke the worker handler with
 * a real-shaped SQS event and a Lambda-like context (request id, remaining time), enforce the
 * worker timeout, delete what succeeded and leave reported failures (and whole batches on
 * error or timeout) to reappear after their visibility timeout — as AWS does.
 *
 * Each lane is an execution environment with its own handler instance (`createHandler`). A
 * timed-out invocation's result is discarded and its messages come back; its environment is
 * killed (fenced SDK clients refuse every later call, see {@link LocalEnvironment} for what
 * is not stopped) and the lane's next invocation starts a new one.
 *
 * @example
 * ```ts
 * const esm = new EventSourceMapping({ queue, queueUrl, queueArn, region, sqs, handler });
 * esm.start();
 * esm.kill('out of memory'); // running invocations die; their batches come back
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
    environments: 0,
  };
  readonly #options: EventSourceOptions;
  readonly #abort = new AbortController();
  #lanes: Promise<void>[] = [];
  /** Set by {@link EventSourceMapping.stopPolling}: no receive starts any more. */
  #draining = false;
  #receiving = 0;
  #idle: (() => void)[] = [];
  readonly #running = new Set<Lane>();
  /** Long polls take turns: one lane of the mapping waits on the queue at a time. */
  #pollTurn: Promise<void> = Promise.resolve();

  constructor(options: EventSourceOptions) {
    if (!options.createHandler && !options.handler) {
      throw new TypeError('EventSourceMapping needs createHandler or handler');
    }
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

  /**
   * Kill the execution environment of every invocation running now, as a crash or an
   * out-of-memory kill would: its response is discarded, nothing of its batch is deleted (the
   * messages come back after their visibility timeout), its fenced SDK clients refuse every
   * later call, and the lane's next invocation starts a new environment. Returns how many
   * invocations were killed.
   */
  kill(reason = 'killed'): number {
    const lanes = [...this.#running];
    for (const lane of lanes) lane.crash?.(reason);
    return lanes.length;
  }

  async #lane(): Promise<void> {
    const signal = this.#abort.signal;
    const lane: Lane = { carry: [] };
    try {
      while (!signal.aborted && !(this.#draining && lane.carry.length === 0)) {
        let messages: Message[];
        try {
          messages = await this.#gather(signal, lane);
        } catch {
          if (signal.aborted) return;
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        if (messages.length) await this.#invoke(messages, lane);
      }
    } finally {
      // Received past the 6 MB cap and never invoked: visible again after their timeout, as in AWS.
      lane.environment?.kill('event source stopped');
    }
  }

  async #environment(lane: Lane) {
    if (lane.environment) return lane.environment;
    const { environment, kill } = createEnvironment();
    const { createHandler, handler } = this.#options;
    this.stats.environments++;
    lane.environment = {
      environment,
      kill,
      handler: createHandler ? await createHandler(environment) : handler!,
    };
    return lane.environment;
  }

  /**
   * Receive up to batchSize messages (10 per call, more calls while the batching window is open)
   * and at most 6 MB of event; what a receive brought past that waits in the lane's carry.
   */
  async #gather(signal: AbortSignal, lane: Lane): Promise<Message[]> {
    const { queue, queueUrl, sqs } = this.#options;
    const wait = this.#options.waitTimeSeconds ?? 20;
    const windowEnds = Date.now() + queue.batchingWindowSeconds * 1000;
    const messages: Message[] = [];
    let bytes = EVENT_OVERHEAD_BYTES;
    const take = (list: Message[]): boolean => {
      while (list.length) {
        const size = Buffer.byteLength(JSON.stringify(this.#toRecord(list[0]!))) + 1;
        if (messages.length > 0 && bytes + size > MAX_EVENT_BYTES) return false;
        messages.push(list.shift()!);
        bytes += size;
      }
      return true;
    };
    if (!take(lane.carry) || messages.length >= queue.batchSize || this.#draining) return messages;
    do {
      // One long poll at a time: fauxqs answers every waiting receive when one message arrives
      // (all but one empty), and each woken lane would poll again at once, a burst of empty
      // receives real SQS does not make (it cost ~6 ms of this process per message with 10
      // lanes). The lanes queue for their turn; the one that receives hands it on at once.
      const release = messages.length === 0 && wait > 0 ? await this.#takePollTurn() : undefined;
      if (release && (this.#draining || signal.aborted)) {
        release();
        break;
      }
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
        release?.();
        if (--this.#receiving === 0 && this.#draining) for (const resolve of this.#idle.splice(0)) resolve();
      }
      const received = [...(out.Messages ?? [])];
      if (!take(received)) {
        lane.carry.push(...received);
        break;
      }
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

  /** Wait for this lane's turn to long-poll; call the returned function to hand it on. */
  async #takePollTurn(): Promise<() => void> {
    const previous = this.#pollTurn;
    let release!: () => void;
    this.#pollTurn = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    return release;
  }

  async #invoke(messages: Message[], lane: Lane): Promise<void> {
    const { queue, onInvoke } = this.#options;
    const env = await this.#environment(lane);
    const records = messages.map((m) => this.#toRecord(m));
    const event: SqsEvent = { Records: records };
    const eventBytes = Buffer.byteLength(JSON.stringify(event));
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
    const running = env.handler(event, context);
    // A timed-out invocation's promise may still settle (or reject) later: its result is discarded.
    running.catch(() => undefined);
    this.#running.add(lane);
    try {
      const response = await Promise.race([
        running,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Task timed out')), timeoutMs);
          lane.crash = (reason) => reject(new Killed(reason));
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
      if (err instanceof Killed) outcome = 'killed';
      else outcome = err instanceof Error && err.message === 'Task timed out' ? 'timeout' : 'error';
      if (err instanceof Error && outcome !== 'error') {
        // Lambda ends the environment: nothing it still has in flight reaches AWS afterwards.
        env.kill(err.message);
        lane.environment = undefined;
      }
    } finally {
      clearTimeout(timer);
      lane.crash = undefined;
      this.#running.delete(lane);
    }
    // What Lambda bills: the invocation until its handler settled. The event source's own
    // DeleteMessageBatch after it is not part of the function's duration.
    const durationMs = Date.now() - started;
    if (outcome !== 'ok') this.stats.wholeBatchFailures++;
    await this.#delete(toDelete);
    onInvoke?.({
      queue: queue.name,
      records: records.length,
      failed: records.length - toDelete.length,
      outcome,
      durationMs,
      environment: env.environment.id,
      eventBytes,
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
