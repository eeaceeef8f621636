import {
  type CeleriacClient,
  CeleriacError,
  type Duration,
  type EnqueueOptions,
  ErrorCode,
  type Registry,
  revoke,
  TaskState,
} from '../../../runtime/internal.js';
import { ApiError, ApiErrorCode } from '../errors.js';

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Check a task id from a path or a command line.
 *
 * @throws ApiError 400 saying what an id looks like.
 */
export function checkId(id: string, what = 'task id'): string {
  if (!ID.test(id)) {
    throw new ApiError(
      400,
      ApiErrorCode.BAD_REQUEST,
      `${what}: got ${JSON.stringify(id.slice(0, 140))}; allowed: 1-128 characters of A-Z a-z 0-9 _ . : -`,
    );
  }
  return id;
}

/** A request to enqueue a task by name (`POST /api/tasks`, `celeriac enqueue`). */
export interface EnqueueRequest {
  readonly task: string;
  readonly args?: unknown;
  readonly delay?: Duration;
  readonly queue?: string;
  readonly tags?: readonly string[];
  readonly id?: string;
  readonly expires?: Duration;
}

/** Answer of {@link enqueueByName}. */
export interface Enqueued {
  readonly id: string;
  readonly task: string;
  readonly queue: string;
}

const ENQUEUE_KEYS = new Set(['task', 'args', 'delay', 'queue', 'tags', 'id', 'expires']);

/**
 * Validate a JSON body as an {@link EnqueueRequest}.
 *
 * @throws ApiError 400 naming the first bad field.
 */
export function parseEnqueueRequest(body: unknown): EnqueueRequest {
  const bad = (message: string) => new ApiError(400, ApiErrorCode.BAD_REQUEST, message);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw bad('body: expected a JSON object like {"task": "name", "args": {...}}');
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !ENQUEUE_KEYS.has(k));
  if (unknown.length)
    throw bad(`body: unknown field(s) ${unknown.join(', ')}; allowed: ${[...ENQUEUE_KEYS].join(', ')}`);
  if (typeof b.task !== 'string' || !b.task) throw bad('task: expected the name of a registered task');
  for (const key of ['queue', 'id'] as const) {
    if (b[key] !== undefined && typeof b[key] !== 'string') throw bad(`${key}: expected a string`);
  }
  for (const key of ['delay', 'expires'] as const) {
    if (b[key] !== undefined && typeof b[key] !== 'string' && typeof b[key] !== 'number') {
      throw bad(`${key}: expected milliseconds or a duration like "30s", "5m"`);
    }
  }
  if (b.tags !== undefined && (!Array.isArray(b.tags) || b.tags.some((t) => typeof t !== 'string'))) {
    throw bad('tags: expected an array of strings');
  }
  return b as unknown as EnqueueRequest;
}

/**
 * Enqueue a registered task by name; its arguments are validated against its schema first.
 *
 * @throws CeleriacError `UNKNOWN_TASK`, `INVALID_ARGS`, `DELAY_TOO_LONG`… (400 through the API).
 * @example
 * ```ts
 * const { id } = await enqueueByName(client, registry, { task: 'email.send', args: { to: 'a@b.co' } });
 * ```
 */
export async function enqueueByName(
  client: CeleriacClient,
  registry: Registry,
  request: EnqueueRequest,
): Promise<Enqueued> {
  const task = registry.get(request.task);
  if (!task) {
    const known = [...registry.tasks.keys()];
    throw new CeleriacError(
      ErrorCode.UNKNOWN_TASK,
      `task "${request.task}" is not registered; registered: ${known.join(', ')}`,
      { value: request.task, allowed: known.join(', ') },
    );
  }
  const options: EnqueueOptions = {
    client,
    ...(request.delay !== undefined ? { delay: request.delay } : {}),
    ...(request.queue !== undefined ? { queue: request.queue } : {}),
    ...(request.tags !== undefined ? { tags: request.tags } : {}),
    ...(request.id !== undefined ? { id: request.id } : {}),
    ...(request.expires !== undefined ? { expires: request.expires } : {}),
  };
  const handle = await task.enqueue(request.args ?? null, options);
  return { id: handle.id, task: task.name, queue: request.queue ?? task.definition.queue };
}

/** Answer of {@link revokeTask}. */
export interface Revoked {
  readonly id: string;
  /** False when it was already revoked. */
  readonly revoked: boolean;
  readonly state: TaskState;
}

/**
 * Revoke a task through the runtime's `revoke()`: its record becomes REVOKED, its id joins the
 * revocation list every worker checks (a queued or delayed message is skipped, a running task
 * is aborted), and a long-delayed task's schedule is deleted. A task not yet stored (PENDING)
 * can be revoked too; pass its name so the dashboard can show it.
 *
 * @throws ApiError 409 `CONFLICT` when the task already ended in SUCCESS or FAILURE.
 * @example
 * ```ts
 * await revokeTask(client, registry, id, { reason: 'customer cancelled' });
 * ```
 */
export async function revokeTask(
  client: CeleriacClient,
  registry: Registry,
  id: string,
  options: { task?: string; reason?: string } = {},
): Promise<Revoked> {
  checkId(id);
  const current = await client.results.get(id);
  if (current?.state === TaskState.REVOKED) return { id, revoked: false, state: TaskState.REVOKED };
  const task = current?.task ?? options.task;
  if (task !== undefined && current === undefined && !registry.get(task)) {
    throw new ApiError(400, ApiErrorCode.BAD_REQUEST, `unknown task "${task}"`);
  }
  const out = await revoke(id, {
    client,
    ...(task !== undefined ? { task } : {}),
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
  });
  if (out.revoked) return { id, revoked: true, state: TaskState.REVOKED };
  throw new ApiError(
    409,
    ApiErrorCode.CONFLICT,
    `task ${id} already finished (${out.state}); nothing to revoke`,
  );
}
