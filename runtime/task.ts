import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Defaults, ResultMode } from './constants.js';
import { toMillis } from './duration.js';
import { enqueue } from './enqueue.js';
import { ErrorCode, invalid } from './errors.js';
import { parseRateLimit } from './ratelimit/parse.js';
import { normalizeRetry } from './retry.js';
import { checkTags } from './tags.js';
import { signatureMethods } from './task-signatures.js';
import type { Task, TaskDefinition, TaskHandler, TaskOptions } from './task-types.js';

export type { Task, TaskContext, TaskDefinition, TaskHandler, TaskOptions } from './task-types.js';

const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;
const RESULT_MODES: readonly string[] = Object.values(ResultMode);

/**
 * Define a task. Validation happens here, at definition time: a bad name, duration, retry
 * policy or result mode throws a `CeleriacError` naming the value and what is allowed.
 *
 * @example
 * ```ts
 * import * as v from 'valibot';
 * export const sendEmail = task(
 *   'email.send',
 *   { queue: 'high', timeout: '30s', schema: v.object({ to: v.pipe(v.string(), v.email()) }),
 *     retry: { maxAttempts: 5, backoff: { type: 'exponential', base: '2s' } } },
 *   async ({ to }, ctx) => { await mailer.send(to, { idempotencyKey: ctx.id }); return { sent: true }; },
 * );
 * ```
 */
export function task<S extends StandardSchemaV1, R>(
  name: string,
  options: TaskOptions<S, StandardSchemaV1.InferOutput<S>> & { readonly schema: S },
  handler: TaskHandler<StandardSchemaV1.InferOutput<S>, R>,
): Task<StandardSchemaV1.InferInput<S>, Awaited<R>>;
export function task<A, R>(
  name: string,
  options: TaskOptions<undefined, A>,
  handler: TaskHandler<A, R>,
): Task<A, Awaited<R>>;
export function task(
  name: string,
  options: TaskOptions<StandardSchemaV1 | undefined>,
  handler: TaskHandler<unknown, unknown>,
): Task<unknown, unknown> {
  const definition = defineTask(name, options);
  if (typeof handler !== 'function') {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      `task "${name}" handler`,
      handler,
      'a function (args, ctx) => result',
    );
  }
  const target = { name, queue: definition.queue };
  const created: Task<unknown, unknown> = {
    name,
    definition,
    run: handler,
    enqueue: (args, enqueueOptions) => enqueue(created, args, enqueueOptions),
    ...signatureMethods(() => target),
  } as Task<unknown, unknown>;
  return created;
}

function defineTask(name: string, options: TaskOptions<StandardSchemaV1 | undefined>): TaskDefinition {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      'task name',
      name,
      'a letter then up to 127 letters, digits, "_", ".", ":" or "-"',
    );
  }
  const what = `task "${name}"`;
  const queue = options.queue ?? Defaults.QUEUE;
  if (typeof queue !== 'string' || !NAME.test(queue)) {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      `${what} queue`,
      queue,
      'a queue name (letters, digits, "_", "-")',
    );
  }
  const timeoutMs = options.timeout === undefined ? undefined : toMillis(options.timeout, `${what} timeout`);
  if (timeoutMs !== undefined && (timeoutMs < 1 || timeoutMs > 900_000)) {
    throw invalid(
      ErrorCode.INVALID_DURATION,
      `${what} timeout`,
      options.timeout,
      'from 1ms to 15m (Lambda limit)',
    );
  }
  const resultMode = options.result ?? ResultMode.ALWAYS;
  if (!RESULT_MODES.includes(resultMode)) {
    throw invalid(ErrorCode.INVALID_OPTION, `${what} result`, resultMode, RESULT_MODES.join(' | '));
  }
  const resultTtlMs = toMillis(options.resultTtl ?? Defaults.RESULT_TTL_MS, `${what} resultTtl`);
  if (resultTtlMs < 60_000) {
    throw invalid(ErrorCode.INVALID_DURATION, `${what} resultTtl`, options.resultTtl, 'at least 1m');
  }
  const tags = checkTags(options.tags ?? [], what);
  const schema = options.schema;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      `${what} schema`,
      schema,
      'a Standard Schema (zod, valibot, arktype…)',
    );
  }
  return {
    name,
    queue,
    timeoutMs,
    retry: normalizeRetry(options.retry, what),
    resultMode,
    resultTtlMs,
    tags: [...tags],
    trackStarted: options.trackStarted ?? false,
    storeArgs: options.storeArgs ?? true,
    schema,
    runOnce: options.runOnce ?? false,
    rateLimit: options.rateLimit === undefined ? undefined : parseRateLimit(options.rateLimit, what),
    rateLimitKey: options.rateLimitKey as ((args: unknown) => string) | undefined,
  };
}
