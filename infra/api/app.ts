import { Hono } from 'hono';
import { type ApiDeps, lazyServices } from './context.js';
import { ApiErrorCode, toErrorResponse } from './errors.js';
import { insightRoutes } from './routes/insight.js';
import { queueRoutes } from './routes/queues.js';
import { taskRoutes } from './routes/tasks.js';
import { serveDashboard } from './static.js';

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** Middleware run before every route (the local token check). */
  readonly auth?: import('hono').MiddlewareHandler;
  /** Serve the dashboard at `/`. @default true */
  readonly dashboard?: boolean;
  /** Where errors are reported (never with arguments or results). @default console.error as JSON */
  readonly logError?: (fields: Record<string, unknown>) => void;
}

/**
 * The results API (and the dashboard): one Hono app, hosted by a Lambda Function URL
 * (`infra/api/lambda.ts`) or a loopback Node server (`infra/api/node-server.ts`).
 *
 * @example
 * ```ts
 * const app = createApi({ client, registry }, { auth: localAuth(token) });
 * const res = await app.request('/api/tasks?state=FAILURE');
 * ```
 */
export function createApi(deps: ApiDeps, options: ApiOptions = {}): Hono {
  const app = new Hono();
  const services = lazyServices(deps);
  const logError =
    options.logError ??
    ((fields) => process.stderr.write(`${JSON.stringify({ level: 'error', ...fields })}\n`));
  if (options.auth) app.use('*', options.auth);
  taskRoutes(app, services);
  queueRoutes(app, services);
  insightRoutes(app, services);
  if (options.dashboard ?? true) serveDashboard(app);
  app.notFound((c) =>
    c.json(
      { error: { code: ApiErrorCode.NOT_FOUND, message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );
  app.onError((err, c) => {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) {
      // Only what failed and where: never request bodies, arguments or results.
      logError({
        msg: 'api error',
        method: c.req.method,
        path: c.req.routePath,
        type: err.name,
        // AWS SDK errors say what the service refused; they never carry task data.
        ...('$metadata' in err ? { error: err.message.slice(0, 300) } : {}),
        code: body.error.code,
        status,
      });
    }
    // A transient failure: clients (and the dashboard) may try again after a second.
    if (status === 503) c.header('retry-after', '1');
    return c.json(body, status);
  });
  return app;
}
