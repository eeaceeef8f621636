import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CeleriacClient,
  type CeleriacConfig,
  createWorker,
  Limits,
  type PlanOptions,
  type Registry,
  type ResourcePlan,
  type WorkerHandler,
} from '../../runtime/index.js';
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

/**
 * Start (or attach to) local SQS and DynamoDB, provision the registry's plan, and return a
 * client configured for them. The same runtime code then runs as in AWS.
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
  const region = options.region ?? 'us-east-1';
  const started: LocalServer[] = [];
  const stopServers = async () => {
    for (const server of started.reverse()) await server.stop().catch(() => undefined);
  };
  try {
    const launch = async (start: () => Promise<LocalServer>) => {
      const server = await start();
      started.push(server);
      return server.endpoint;
    };
    const sqsEndpoint = options.endpoints?.sqs ?? (await launch(startSqs));
    const dynamoEndpoint = options.endpoints?.dynamodb ?? (await launch(() => startDynamo()));
    const sqs = new SQSClient({ region, endpoint: sqsEndpoint, credentials: LOCAL_CREDENTIALS });
    const dynamodb = new DynamoDBClient({ region, endpoint: dynamoEndpoint, credentials: LOCAL_CREDENTIALS });
    const plan = options.registry.plan(options.plan);
    const provisioned = await provisionPlan(plan, sqs, dynamodb, {
      region,
      sqs: sqsEndpoint,
      dynamodb: dynamoEndpoint,
    });
    const urlByName = new Map<string, string>();
    for (const q of Object.values(provisioned.queues)) {
      for (const url of [q.url, q.dlqUrl]) urlByName.set(url.slice(url.lastIndexOf('/') + 1), url);
    }
    // The Scheduler's own DLQ, as the TaskRuntime deploys one: where undeliverable firings go.
    const schedulerDlqName = `${options.plan?.prefix ?? plan.app}-scheduler-dlq`;
    const schedulerDlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: schedulerDlqName,
        Attributes: { MaximumMessageSize: String(Limits.SQS_MAX_MESSAGE_BYTES) },
      }),
    );
    urlByName.set(schedulerDlqName, schedulerDlq.QueueUrl!);
    const scheduler = await startLocalScheduler({
      sqs,
      region,
      resolveQueueUrl: (arn) => urlByName.get(arn.slice(arn.lastIndexOf(':') + 1)),
      ...(options.schedulerNow ? { now: options.schedulerNow } : {}),
    });
    started.push(scheduler);
    const direct = { sqs: sqsEndpoint, dynamodb: dynamoEndpoint, scheduler: scheduler.endpoint };
    const faults = options.faults
      ? await startFaultProxy({ ...options.faults, rates: {}, targetRates: {}, targets: direct })
      : undefined;
    if (faults) started.push({ endpoint: direct.sqs, stop: () => faults.stop() });
    const config: CeleriacConfig = {
      ...provisioned,
      endpoints: { ...provisioned.endpoints, ...(faults?.endpoints ?? direct) },
      scheduler: {
        group: `${options.plan?.prefix ?? plan.app}-schedules`,
        roleArn: 'arn:aws:iam::000000000000:role/celeriac-scheduler',
        dlqArn: `arn:aws:sqs:${region}:000000000000:${schedulerDlqName}`,
      },
    };
    // Through a fault proxy, the runtime builds its own SDK clients (its retry settings) from the config.
    const client = faults ? new CeleriacClient({ config }) : new CeleriacClient({ config, sqs, dynamodb });
    // Beat: one schedule per cron/rate entry, created through the real SDK as infra deploys them.
    for (const schedule of plan.schedules) {
      await client.scheduler.send(new CreateScheduleCommand(beatScheduleRequest(schedule, config)));
    }
    if (faults && options.faults) faults.setRates(options.faults.rates ?? {}, options.faults.targetRates);
    const mappings: EventSourceMapping[] = [];
    return {
      config,
      plan,
      sqs,
      dynamodb,
      client,
      scheduler,
      ...(faults ? { faults } : {}),
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
      async stop() {
        await Promise.all(mappings.map((m) => m.stop()));
        sqs.destroy();
        dynamodb.destroy();
        if (faults) {
          client.sqs.destroy();
          client.dynamodb.destroy();
          client.scheduler.destroy();
        }
        await stopServers();
      },
    };
  } catch (err) {
    await stopServers();
    throw err;
  }
}
