import { handle } from 'hono/aws-lambda';
import { CeleriacClient, type Registry } from '../../runtime/internal.js';
import { createApi } from './app.js';

/** Options of {@link createApiHandler}. */
export interface ApiHandlerOptions {
  /** The app's task registry (enqueue by name, cron entries, queue names). */
  readonly registry: Registry;
  /** @default a client that reads `CELERIAC_CONFIG` on the first request */
  readonly client?: CeleriacClient;
}

/**
 * The results API and dashboard as a Lambda handler, for a Function URL with `AWS_IAM` auth: IAM
 * authenticates every request before it arrives, so the handler adds no auth of its own. Nothing
 * is read or created until the first request.
 *
 * @example
 * ```ts
 * // tasks/api.ts — the `api` entry of celeriac.config.ts
 * import { createApiHandler } from 'celeriac/api';
 * import { registry } from './index.js';
 * export const handler = createApiHandler({ registry });
 * ```
 */
export function createApiHandler(options: ApiHandlerOptions): ReturnType<typeof handle> {
  return handle(createApi({ client: options.client ?? new CeleriacClient(), registry: options.registry }));
}
