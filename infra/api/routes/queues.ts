import type { Hono } from 'hono';
import type { ApiServices } from '../context.js';
import { readJson } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { planQueue, purge, queueStatuses, redrive } from '../ops/queues.js';

/**
 * Queue routes: counts of every queue and DLQ, DLQ redrive, purge.
 *
 * @example
 * ```ts
 * queueRoutes(app, services);
 * ```
 */
export function queueRoutes(app: Hono, services: () => ApiServices): void {
  app.get('/api/queues', async (c) => {
    const { client, plan } = services();
    return c.json({ queues: await queueStatuses(client, plan) });
  });

  app.post('/api/queues/:name/redrive', async (c) => {
    const { client, plan } = services();
    const queue = planQueue(plan, c.req.param('name'));
    const body = ((await readJson(c)) ?? {}) as { max?: unknown };
    if (body.max !== undefined && typeof body.max !== 'number') {
      throw new ApiError(400, ApiErrorCode.BAD_REQUEST, 'max: expected a number of messages');
    }
    const result = await redrive(client, queue.name, body.max !== undefined ? { max: body.max } : {});
    return c.json({ queue: queue.name, ...result });
  });

  app.post('/api/queues/:name/purge', async (c) => {
    const { client, plan } = services();
    const queue = planQueue(plan, c.req.param('name'));
    const body = (await readJson(c)) as { target?: unknown } | undefined;
    const target = body?.target;
    if (target !== 'queue' && target !== 'dlq') {
      throw new ApiError(
        400,
        ApiErrorCode.BAD_REQUEST,
        `target: got ${JSON.stringify(target ?? null)}; allowed: "queue" or "dlq" (say which explicitly: purge deletes every message)`,
      );
    }
    await purge(client, queue.name, target);
    return c.json({ queue: queue.name, target, purged: true });
  });
}
