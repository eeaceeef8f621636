import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type CeleriacConfig, loadConfig } from './config.js';
import { Defaults } from './constants.js';
import { CeleriacError, ErrorCode } from './errors.js';
import { ResultStore } from './results/store.js';
import { attachCallDeadline } from './sdk/call-deadline.js';
import { type SdkTimeouts, timedHttpHandler } from './sdk/timeouts.js';
import { sdkRetryStrategy } from './sdk-retry.js';

/** Options of {@link CeleriacClient}; every part is optional and injectable. */
export interface CeleriacClientOptions {
  /** Where resources live. @default read from the environment on first use */
  readonly config?: CeleriacConfig;
  /** An SQS client to use. @default created on first use from the config */
  readonly sqs?: SQSClient;
  /** A DynamoDB client to use. @default created on first use from the config */
  readonly dynamodb?: DynamoDBClient;
  /** An EventBridge Scheduler client (long delays, revoke of delayed tasks, beat run-now). @default created on first use */
  readonly scheduler?: SchedulerClient;
  /**
   * Connection and request timeouts of the SDK clients this client creates (injected clients
   * keep their own). @default connect 3 s, each attempt 5 s (the SDK makes up to 3)
   */
  readonly timeouts?: SdkTimeouts;
  /** Clock in epoch milliseconds, for tests. @default Date.now */
  readonly now?: () => number;
}

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?/;

/**
 * Holds the config and the AWS SDK v3 clients, created lazily: constructing one does no I/O and
 * reads no environment. Pass one to `enqueue(…, { client })`, or rely on the default client,
 * which reads `CELERIAC_CONFIG` the first time it is needed.
 *
 * @example
 * ```ts
 * const client = new CeleriacClient({ config });
 * const handle = await add.enqueue({ x: 1, y: 2 }, { client });
 * ```
 */
export class CeleriacClient {
  readonly now: () => number;
  #config: CeleriacConfig | undefined;
  #sqs: SQSClient | undefined;
  #dynamodb: DynamoDBClient | undefined;
  #scheduler: SchedulerClient | undefined;
  #results: ResultStore | undefined;
  readonly #timeouts: SdkTimeouts;

  constructor(options: CeleriacClientOptions = {}) {
    this.#config = options.config;
    this.#sqs = options.sqs;
    this.#dynamodb = options.dynamodb;
    this.#scheduler = options.scheduler;
    this.#timeouts = options.timeouts ?? {};
    this.now = options.now ?? Date.now;
    // Injected clients honour the worker's invocation deadline too (a middleware; no I/O).
    for (const c of [this.#sqs, this.#dynamodb, this.#scheduler]) if (c) attachCallDeadline(c);
  }

  get config(): CeleriacConfig {
    this.#config ??= loadConfig();
    return this.#config;
  }

  get sqs(): SQSClient {
    this.#sqs ??= withDeadline(new SQSClient(this.#sdkOptions(this.config.endpoints?.sqs)));
    return this.#sqs;
  }

  get scheduler(): SchedulerClient {
    this.#scheduler ??= withDeadline(new SchedulerClient(this.#sdkOptions(this.config.endpoints?.scheduler)));
    return this.#scheduler;
  }

  get dynamodb(): DynamoDBClient {
    this.#dynamodb ??= withDeadline(new DynamoDBClient(this.#sdkOptions(this.config.endpoints?.dynamodb)));
    return this.#dynamodb;
  }

  /** The results table, through this client's DynamoDB client and clock. */
  get results(): ResultStore {
    this.#results ??= new ResultStore(this.dynamodb, this.config.table, this.now, this.config.resultShards);
    return this.#results;
  }

  /** URLs of a queue by its logical name. */
  queue(name: string): { url: string; dlqUrl: string } {
    const queue = this.config.queues[name];
    if (!queue) {
      throw new CeleriacError(
        ErrorCode.UNKNOWN_QUEUE,
        `queue "${name}" is not in the config; configured: ${Object.keys(this.config.queues).join(', ') || '(none)'}`,
        { value: name, allowed: Object.keys(this.config.queues).join(', ') },
      );
    }
    return queue;
  }

  #sdkOptions(endpoint: string | undefined) {
    const local = endpoint !== undefined && LOOPBACK.test(endpoint);
    return {
      region: this.config.region,
      maxAttempts: Defaults.SDK_RETRY.maxAttempts,
      retryStrategy: sdkRetryStrategy(),
      requestHandler: timedHttpHandler(this.#timeouts),
      ...(endpoint ? { endpoint } : {}),
      // The local stack accepts any credentials; never invent them for a remote endpoint.
      ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    };
  }
}

function withDeadline<C extends object>(client: C): C {
  attachCallDeadline(client);
  return client;
}

let defaultClient: CeleriacClient | undefined;

/**
 * The process-wide default client, created on first call (not at import).
 *
 * @example
 * ```ts
 * const { table } = getDefaultClient().config;
 * ```
 */
export function getDefaultClient(): CeleriacClient {
  defaultClient ??= new CeleriacClient();
  return defaultClient;
}

/**
 * Replace the default client (tests, scripts, the local stack).
 *
 * @example
 * ```ts
 * setDefaultClient(new CeleriacClient({ config }));
 * ```
 */
export function setDefaultClient(client: CeleriacClient | undefined): void {
  defaultClient = client;
}
