import type { Hono } from 'hono';
import type { ApiServices } from '../context.js';
import { readJson } from '../context.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import { checkId, enqueueByName, parseEnqueueRequest, revokeTask } from '../ops/tasks.js';
import { parseListQuery } from '../params.js';

/**
 * Task routes: list (filters + cursor), detail, enqueue by name, revoke.
 *
 * @example
 * ```ts
 * taskRoutes(app, services);
 * ```
 */
export function taskRoutes(app: Hono, services: () => ApiServices): void {
  app.get('/api/tasks', async (c) => {
    const { query, client } = services();
    const options = parseListQuery(c.req.query(), client.now());
    return c.json(await query.list(options));
  });

  app.get('/api/tasks/:id', async (c) => {
    const id = checkId(c.req.param('id'));
    const record = await services().client.results.get(id);
    if (!record) {
      throw new ApiError(
        404,
        ApiErrorCode.NOT_FOUND,
        `task ${id} has no stored record: it is pending, unknown, expired, or its task does not store results`,
      );
    }
    return c.json(record);
  });

  app.post('/api/tasks', async (c) => {
    const { client, registry } = services();
    const request = parseEnqueueRequest(await readJson(c));
    return c.json(await enqueueByName(client, registry, request), 201);
  });

  app.post('/api/tasks/:id/revoke', async (c) => {
    const { client, registry } = services();
    const id = checkId(c.req.param('id'));
    const body = ((await readJson(c)) ?? {}) as { task?: unknown; reason?: unknown };
    if (body.task !== undefined && typeof body.task !== 'string') {
      throw new ApiError(400, ApiErrorCode.BAD_REQUEST, 'task: expected the task name (a string)');
    }
    if (body.reason !== undefined && typeof body.reason !== 'string') {
      throw new ApiError(400, ApiErrorCode.BAD_REQUEST, 'reason: expected a string');
    }
    return c.json(
      await revokeTask(client, registry, id, {
        ...(body.task ? { task: body.task } : {}),
        ...(body.reason ? { reason: body.reason } : {}),
      }),
    );
  });
}
