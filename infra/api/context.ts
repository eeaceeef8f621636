import type { Context } from 'hono';
import { type CeleriacClient, type Registry, type ResourcePlan, TaskQuery } from '../../runtime/internal.js';
import { planOf } from '../../runtime/plan.js';
import { isJsonContentType } from './csrf.js';
import { ApiError, ApiErrorCode } from './errors.js';
import { checkBodyDepth } from './params.js';

/** What the API works with: a client (config + SDK clients), the registry and its plan. */
export interface ApiDeps {
  readonly client: CeleriacClient;
  readonly registry: Registry;
  /** @default planOf(registry) */
  readonly plan?: ResourcePlan;
}

/** {@link ApiDeps} with the plan and the results query resolved (lazily, on first request). */
export interface ApiServices {
  readonly client: CeleriacClient;
  readonly registry: Registry;
  readonly plan: ResourcePlan;
  readonly query: TaskQuery;
}

/** Build services on first use: nothing happens at import or at app creation, and the plan needs no AWS. */
export function lazyServices(deps: ApiDeps): () => ApiServices {
  let services: ApiServices | undefined;
  return () => {
    if (!services) {
      const plan = deps.plan ?? planOf(deps.registry);
      let query: TaskQuery | undefined;
      services = {
        client: deps.client,
        registry: deps.registry,
        plan,
        get query() {
          query ??= new TaskQuery(deps.client.dynamodb, deps.client.config.table, {
            taskNames: plan.tasks.map((t) => t.name),
            now: deps.client.now,
            shards: plan.table.shards,
          });
          return query;
        },
      };
    }
    return services;
  };
}

const MAX_BODY_BYTES = 1_100_000;

/**
 * Read a JSON body; an empty body is `undefined`.
 *
 * @throws ApiError 400 when it is not JSON, nested too deep or not sent as `application/json`,
 *   413 when too large.
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) {
    throw new ApiError(
      413,
      ApiErrorCode.PAYLOAD_TOO_LARGE,
      `body: ${text.length} bytes; allowed: at most ${MAX_BODY_BYTES}`,
    );
  }
  if (!text.trim()) return undefined;
  if (!isJsonContentType(c.req.header('content-type'))) {
    throw new ApiError(400, ApiErrorCode.BAD_REQUEST, 'content-type: send JSON bodies as application/json');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, ApiErrorCode.BAD_REQUEST, `body is not valid JSON: ${(err as Error).message}`);
  }
  checkBodyDepth(body);
  return body;
}
