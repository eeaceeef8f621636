import type { Hono } from 'hono';
import type { ApiServices } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { checkId } from '../ops/tasks.js';
import { autoBucket, parseDuration, parseMoment } from '../params.js';

/**
 * Read-only views: a workflow by root id, stats over time, the resource plan.
 *
 * @example
 * ```ts
 * insightRoutes(app, services);
 * ```
 */
export function insightRoutes(app: Hono, services: () => ApiServices): void {
  app.get('/api/workflows/:rootId', async (c) => {
    const rootId = checkId(c.req.param('rootId'), 'root id');
    const workflow = await services().query.workflow(rootId);
    if (!workflow) throw new ApiError(404, ApiErrorCode.NOT_FOUND, `no stored task of workflow ${rootId}`);
    return c.json(workflow);
  });

  app.get('/api/stats', async (c) => {
    const { query, client } = services();
    const now = client.now();
    const q = c.req.query();
    const since = q.since ? parseMoment(q.since, 'since', now) : now - 3_600_000;
    const until = q.until ? parseMoment(q.until, 'until', now) : now;
    if (since >= until) throw new ApiError(400, ApiErrorCode.BAD_REQUEST, 'since: must be before until');
    const bucketMs = q.bucket ? parseDuration(q.bucket, 'bucket') : autoBucket(until - since);
    return c.json(await query.stats({ since, until, bucketMs }));
  });

  app.get('/api/plan', (c) => {
    const { plan, registry } = services();
    const schedules = (registry as { schedules?: unknown }).schedules;
    return c.json({ ...plan, ...(schedules !== undefined ? { schedules } : {}) });
  });
}
