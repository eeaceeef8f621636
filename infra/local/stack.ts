import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfigFor } from '../../runtime/client-config.js';
import {
  CeleriacClient,
  type CeleriacConfig,
  createWorker,
  Limits,
  type PlanOptions,
  type Registry,
  type ResourcePlan,
  type WorkerHandler,
} from '../../runtime/internal.js';
import { planOf } from '../../runtime/plan.js';
import { beatScheduleRequest } from '../../runtime/schedules/run-now.js';
import type { LocalEnvironment } from './environment.js';
import { EventSourceMapping, type InvocationInfo } from './event-source.js';
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js';
import { provisionPlan } from './provision.js';
import { type LocalScheduler, startLocalScheduler } from './scheduler/server.js';
import { type LocalServer, startDynamo, startSqs } from './servers.js';

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  readonly registry: Registry;
  readonly plan?: PlanOptions;
  /** Use these servers instead of starting them (e.g. `CELERIAC_SQS_ENDPOINT`). */
  readonly endpoints?: { readonly sqs?: string; readonly dynamodb?: string };
  readonly region?: string;
  /** Clock of the local Scheduler (tests move time to fire long delays and cron). @default Date.now */
  readonly schedulerNow?: () => number;
  /**
   * Put a fault-injection proxy (see {@link startFaultProxy}) between the runtime and SQS,
   * DynamoDB and the Scheduler: `config`, `client` and the workers' calls go through it, while
   * provisioning, the event source mapping's polling and the Scheduler's deliveries (AWS's side)
   * do not. Faults start after provisioning.
   * @default - no proxy
   */
  readonly faults?: Omit<FaultProxyOptions, 'targets'>;
}

/** A running local stack. */
export interface LocalStack {
  readonly config: CeleriacConfig;
  readonly plan: ResourcePlan;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly client: CeleriacClient;
  /** The local EventBridge Scheduler (long delays, cron). */
  readonly scheduler: LocalScheduler;
  /** The fault-injection proxy, when `faults` was given. */
  readonly faults?: FaultProxy;
  /** Start one event source mapping per queue (default handler: one registry worker per lane). */
  startWorkers(options?: WorkersOptions): EventSourceMapping[];
  /** Stop the workers, then the servers this stack started. */
  stop(): Promise<void>;
}

/** Options of {@link LocalStack.startWorkers}. */
export interface WorkersOptions {
  /** One handler for every lane (nothing fenced). @default one worker per lane, see `createHandler` */
  readonly handler?: WorkerHandler;
  /**
   * The handler of one execution environment (lane).
   * @default the registry's worker on its own client, whose SDK clients the environment fences
   */
  readonly createHandler?: (environment: LocalEnvironment) => WorkerHandler | Promise<WorkerHandler>;
  readonly waitTimeSeconds?: number;
  readonly onInvoke?: (info: InvocationInfo) => void;
  /** Only these logical queues. @default all */
  readonly queues?: readonly string[];
}

/** Static credentials for local servers, which accept any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Where the local servers listen. */
export interface LocalEndpoints {
  readonly sqs: string;
  readonly dynamodb: string;
  readonly scheduler: string;
}

/** Options of {@link startLocalServers}. */
export interface LocalServersOptions {
  /** Use these servers instead of starting them (e.g. `CELERIAC_SQS_ENDPOINT`). */
  readonly endpoints?: { readonly sqs?: string; readonly dynamodb?: string };
  /** Keep DynamoDB Local's tables in this folder. @default in memory */
  readonly dynamodbPath?: string;
  readonly region?: string;
  /** Clock of the local Scheduler. @default Date.now */
  readonly schedulerNow?: () => number;
}

/** The running local servers: SQS, DynamoDB and the Scheduler. */
export interface LocalServers {
  readonly endpoints: LocalEndpoints;
  readonly scheduler: LocalScheduler;
  stop(): Promise<void>;
}

/**
 * Start (or attach to) local SQS and DynamoDB, in parallel, and a local Scheduler that sends
 * to SQS by queue name. No app is involved: `celeriac dev` keeps these running while it
 * reloads the app's workers.
 *
 * @example
 * ```ts
 * const servers = await startLocalServers({ dynamodbPath: '.celeriac/dynamodb' });
 * ```
 */
export async function startLocalServers(options: LocalServersOptions = {}): Promise<LocalServers> {
  const region = options.region ?? 'us-east-1';
  const started: LocalServer[] = [];
  const stopAll = async () => {
    for (const server of started.reverse()) await server.stop().catch(() => undefined);
  };
  const launch = async (start: () => Promise<LocalServer>) => {
    const server = await start();
    started.push(server);
    return server.endpoint;
  };
  try {
    const [sqsEndpoint, dynamoEndpoint] = await Promise.all([
      options.endpoints?.sqs ?? launch(startSqs),
      options.endpoints?.dynamodb ??
        launch(() => startDynamo(options.dynamodbPath ? { dbPath: options.dynamodbPath } : {})),
    ]);
    const sqs = new SQSClient({ region, endpoint: sqsEndpoint, credentials: LOCAL_CREDENTIALS });
    const scheduler = await startLocalScheduler({
      sqs,
      region,
      // The target ARN's last part is the queue name: ask SQS for its URL, as apps come and go.
      resolveQueueUrl: (arn) =>
        sqs
          .send(new GetQueueUrlCommand({ QueueName: arn.slice(arn.lastIndexOf(':') + 1) }))
          .then((out) => out.QueueUrl)
          .catch(() => undefined),
      ...(options.schedulerNow ? { now: options.schedulerNow } : {}),
    });
    started.push({ endpoint: scheduler.endpoint, stop: () => scheduler.stop() });
    return {
      endpoints: { sqs: sqsEndpoint, dynamodb: dynamoEndpoint, scheduler: scheduler.endpoint },
      scheduler,
      async stop() {
        sqs.destroy();
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Options of {@link attachLocalApp}. */
export interface LocalAppOptions {
  readonly registry: Registry;
  readonly plan?: PlanOptions;
  /** Where provisioning (and the event source's polling) talk to the servers. */
  readonly endpoints: LocalEndpoints;
  /**
   * Where the runtime (the client config, the workers) talks to them, e.g. a fault proxy.
   * @default `endpoints`
   */
  readonly runtimeEndpoints?: LocalEndpoints;
  readonly region?: string;
}

/** An app provisioned on running local servers, with its client and workers. */
export interface LocalApp {
  readonly config: CeleriacConfig;
  readonly plan: ResourcePlan;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly client: CeleriacClient;
  /** Start one event source mapping per queue, driving `handler` (default: the registry's worker). */
  startWorkers(options?: WorkersOptions): EventSourceMapping[];
  /** Stop receiving (no receive cut short); resolves once no receive is in flight. */
  stopPolling(): Promise<void>;
  /** Stop the workers (in-flight invocations finish) and the app's SDK clients; the servers keep running. */
  stop(): Promise<void>;
}

/** Make the group's beat schedules the plan's: create, update, and delete the ones removed from code. */
async function syncBeatSchedules(client: CeleriacClient, plan: ResourcePlan, prefix: string): Promise<void> {
  const group = client.config.scheduler?.group;
  if (!group) return;
  const wanted = new Set(plan.schedules.map((s) => s.scheduleName));
  const listed = await client.scheduler.send(new ListSchedulesCommand({ GroupName: group }));
  for (const old of listed.Schedules ?? []) {
    // Beat schedules are named `<prefix>-<entry>`; one-time delays (`t-…`, `h-…`) are left alone.
    if (old.Name?.startsWith(`${prefix}-`) && !wanted.has(old.Name)) {
      await client.scheduler.send(new DeleteScheduleCommand({ Name: old.Name, GroupName: group }));
    }
  }
  for (const schedule of plan.schedules) {
    const request = beatScheduleRequest(schedule, client.config);
    try {
      await client.scheduler.send(new CreateScheduleCommand(request));
    } catch (err) {
      if ((err as Error).name !== 'ConflictException') throw err;
      const { ClientToken: _token, ...update } = request;
      await client.scheduler.send(new UpdateScheduleCommand(update));
    }
  }
}

/**
 * Provision an app's plan (queues, DLQs, the results table; idempotent) on running local
 * servers, create or update its beat schedules, and return a client configured for them.
 *
 * @example
 * ```ts
 * const app = await attachLocalApp({ registry, endpoints: servers.endpoints });
 * app.startWorkers();
 * ```
 */
export async function attachLocalApp(options: LocalAppOptions): Promise<LocalApp> {
  const region = options.region ?? 'us-east-1';
  const { endpoints } = options;
  const sqs = new SQSClient({ region, endpoint: endpoints.sqs, credentials: LOCAL_CREDENTIALS });
  const dynamodb = new DynamoDBClient({
    region,
    endpoint: endpoints.dynamodb,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const plan = planOf(options.registry, options.plan);
    const prefix = options.plan?.prefix ?? plan.app;
    // The Scheduler's own DLQ, as the TaskRuntime deploys one: where undeliverable firings go.
    const schedulerDlqName = `${prefix}-scheduler-dlq`;
    const [queueUrls] = await Promise.all([
      provisionPlan(plan, sqs, dynamodb),
      sqs.send(
        new CreateQueueCommand({
          QueueName: schedulerDlqName,
          Attributes: { MaximumMessageSize: String(Limits.SQS_MAX_MESSAGE_BYTES) },
        }),
      ),
    ]);
    const config: CeleriacConfig = clientConfigFor(plan, {
      region,
      queueUrls: (q) => queueUrls[q.name]!,
      scheduler: {
        roleArn: 'arn:aws:iam::000000000000:role/celeriac-scheduler',
        dlqArn: `arn:aws:sqs:${region}:000000000000:${schedulerDlqName}`,
      },
      endpoints: options.runtimeEndpoints ?? endpoints,
    });
    // Through a fault proxy, the runtime builds its own SDK clients (its retry settings) from the config.
    const client = options.runtimeEndpoints
      ? new CeleriacClient({ config })
      : new CeleriacClient({ config, sqs, dynamodb });
    // Beat: one schedule per cron/rate entry, created through the real SDK as infra deploys them.
    await syncBeatSchedules(client, plan, prefix);
    const mappings: EventSourceMapping[] = [];
    return {
      config,
      plan,
      sqs,
      dynamodb,
      client,
      startWorkers(workers = {}) {
        // Each lane is an execution environment with its own worker and SDK clients, fenced so a
        // timed-out invocation makes no more AWS calls (see EventSourceMapping).
        const createHandler =
          workers.createHandler ??
          ((environment: LocalEnvironment) => {
            const own = new CeleriacClient({ config });
            for (const sdk of [own.sqs, own.dynamodb, own.scheduler]) environment.fence(sdk);
            return createWorker(options.registry, { client: own });
          });
        const created: EventSourceMapping[] = [];
        for (const queue of plan.queues) {
          if (workers.queues && !workers.queues.includes(queue.name)) continue;
          const queueUrl = config.queues[queue.name]!.url;
          const esm = new EventSourceMapping({
            queue,
            queueUrl,
            // The worker reads only the ARN's last part, the physical queue name.
            queueArn: `arn:aws:sqs:${region}:000000000000:${queue.queueName}`,
            region,
            sqs,
            ...(workers.handler ? { handler: workers.handler } : { createHandler }),
            ...(workers.waitTimeSeconds !== undefined ? { waitTimeSeconds: workers.waitTimeSeconds } : {}),
            ...(workers.onInvoke ? { onInvoke: workers.onInvoke } : {}),
          });
          esm.start();
          created.push(esm);
        }
        mappings.push(...created);
        return created;
      },
      async stopPolling() {
        await Promise.all(mappings.map((m) => m.stopPolling()));
      },
      async stop() {
        await Promise.all(mappings.map((m) => m.stop()));
        sqs.destroy();
        dynamodb.destroy();
        if (options.runtimeEndpoints) {
          client.sqs.destroy();
          client.dynamodb.destroy();
          client.scheduler.destroy();
        }
      },
    };
  } catch (err) {
    sqs.destroy();
    dynamodb.destroy();
    throw err;
  }
}

/**
 * Start (or attach to) local SQS and DynamoDB, provision the registry's plan, and return a
 * client configured for them: the servers and the app in one process, as tests use it. The
 * same runtime code then runs as in AWS.
 *
 * @example
 * ```ts
 * const stack = await startLocalStack({ registry });
 * stack.startWorkers();
 * await add.enqueue({ x: 1, y: 2 }, { client: stack.client });
 * await stack.stop();
 * ```
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const servers = await startLocalServers({
    ...(options.endpoints ? { endpoints: options.endpoints } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.schedulerNow ? { schedulerNow: options.schedulerNow } : {}),
  });
  let faults: FaultProxy | undefined;
  try {
    faults = options.faults
      ? await startFaultProxy({ ...options.faults, rates: {}, targetRates: {}, targets: servers.endpoints })
      : undefined;
    const app = await attachLocalApp({
      registry: options.registry,
      endpoints: servers.endpoints,
      ...(faults ? { runtimeEndpoints: { ...servers.endpoints, ...faults.endpoints } } : {}),
      ...(options.plan ? { plan: options.plan } : {}),
      ...(options.region ? { region: options.region } : {}),
    });
    // Faults start once the plan is provisioned.
    if (faults && options.faults) faults.setRates(options.faults.rates ?? {}, options.faults.targetRates);
    const proxy = faults;
    return {
      ...app,
      scheduler: servers.scheduler,
      ...(proxy ? { faults: proxy } : {}),
      async stop() {
        await app.stop();
        await proxy?.stop();
        await servers.stop();
      },
    };
  } catch (err) {
    await faults?.stop();
    await servers.stop();
    throw err;
  }
}
