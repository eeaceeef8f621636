import type { CeleriacConfig } from './config.js';
import type { QueuePlan, ResourcePlan } from './plan.js';
import { routesOf } from './routes.js';

/** What a deployment knows that the plan does not: where its resources ended up. */
export interface ClientConfigParts {
  readonly region: string;
  /** The URLs of one plan queue and its DLQ. */
  readonly queueUrls: (queue: QueuePlan) => { readonly url: string; readonly dlqUrl: string };
  /** The results table's name. @default the plan's */
  readonly table?: string;
  /** EventBridge Scheduler: the role schedules run as, their DLQ, the group. @default no scheduler */
  readonly scheduler?: { readonly roleArn: string; readonly dlqArn?: string; readonly group?: string };
  /** Endpoint overrides (the local stack). */
  readonly endpoints?: CeleriacConfig['endpoints'];
}

/**
 * The client configuration (`CELERIAC_CONFIG`) of a plan: built here once, by the CDK
 * construct (with deploy-time tokens), by its synth-time size estimate (with the longest
 * plausible URLs) and by the local stack (with its servers' URLs).
 *
 * @example
 * ```ts
 * const config = clientConfigFor(plan, { region: 'eu-west-1', queueUrls: (q) => urls[q.name] });
 * ```
 */
export function clientConfigFor(plan: ResourcePlan, parts: ClientConfigParts): CeleriacConfig {
  const { scheduler } = parts;
  return {
    region: parts.region,
    table: parts.table ?? plan.table.tableName,
    queues: Object.fromEntries(
      plan.queues.map((q) => {
        const { url, dlqUrl } = parts.queueUrls(q);
        return [q.name, { url, dlqUrl }];
      }),
    ),
    // Task → queue (and tags): what producers that enqueue by name route with.
    routes: routesOf(plan),
    // The results indexes' shard counts, which writers spread keys over.
    resultShards: plan.table.shards,
    ...(scheduler
      ? {
          scheduler: {
            group: scheduler.group ?? plan.scheduleGroupName,
            roleArn: scheduler.roleArn,
            ...(scheduler.dlqArn !== undefined ? { dlqArn: scheduler.dlqArn } : {}),
          },
        }
      : {}),
    ...(parts.endpoints ? { endpoints: parts.endpoints } : {}),
  };
}
