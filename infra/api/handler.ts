import { handle } from 'hono/aws-lambda';
import { CeleriacClient, type Registry, withCallDeadline } from '../../runtime/internal.js';
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
  const inner = handle(
    createApi({ client: options.client ?? new CeleriacClient(), registry: options.registry }),
  );
  // AWS calls still unanswered just before the function's end are abandoned (an error answer
  // instead of a timed-out invocation).
  const withDeadline: typeof inner = (event, lambdaContext) =>
    typeof lambdaContext?.getRemainingTimeInMillis === 'function'
      ? withCallDeadline(
          Date.now() + lambdaContext.getRemainingTimeInMillis() - API_DEADLINE_SLACK_MS,
          Date.now,
          () => inner(event, lambdaContext),
        )
      : inner(event, lambdaContext);
  return withDeadline;
}

/** Time kept before the API function's end to answer with an error. */
const API_DEADLINE_SLACK_MS = 500;
