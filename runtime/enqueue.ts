import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { groupBy } from './batching.js';
import { type CeleriacClient, getDefaultClient } from './client.js';
import { Defaults, Limits } from './constants.js';
import { toMillis } from './duration.js';
import type { EnqueueOptions } from './enqueue-options.js';
import { type Envelope, encodeEnvelope } from './envelope.js';
import { CeleriacError, ErrorCode, invalid } from './errors.js';
import { TaskHandle } from './handle.js';
import { claimIdempotencyKey, releaseIdempotencyKey } from './idempotency/enqueue-key.js';
import type { Json } from './json.js';
import {
  MAX_DELAY_MS,
  oneTimeScheduleRequest,
  requireScheduler,
  scheduleEnvelope,
  scheduleEnvelopes,
} from './schedules/one-time.js';
import { sendMessageBatches } from './send-batch.js';
import { checkTags } from './tags.js';
import type { Task, TaskDefinition } from './task-types.js';
import { validateArgs } from './validate.js';

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * What enqueueing needs of a task: its name, queue, tags and (optional) schema. A task object
 * is one; a task known only by name (`enqueueByName`) is another, built from the config's routes.
 */
export interface EnqueueTarget {
  readonly name: string;
  readonly definition: Pick<TaskDefinition, 'name' | 'queue' | 'tags' | 'schema'>;
}

/** A message ready to send: validated, encoded, routed. */
export interface PreparedMessage {
  readonly id: string;
  readonly taskName: string;
  readonly queueUrl: string;
  readonly body: string;
  readonly delaySeconds: number;
  /** Set for a delay over 15 minutes: sent through a one-time EventBridge Scheduler schedule. */
  readonly envelope?: Envelope;
}

/**
 * Validate arguments and options and build the message for one task run. Sends nothing.
 *
 * @throws CeleriacError for invalid arguments, non-JSON values, a message over 1 MiB, a
 *   delay over 15 minutes, or an unknown queue.
 * @example
 * ```ts
 * const msg = await prepareMessage(add, { x: 1, y: 2 }, {}, client);
 * ```
 */
export async function prepareMessage(
  task: EnqueueTarget,
  args: unknown,
  options: EnqueueOptions,
  client: CeleriacClient,
): Promise<PreparedMessage> {
  const def = task.definition;
  if (def.schema) await validateArgs(def.schema, args, `task "${def.name}"`);
  return buildMessage(task, args, options, client);
}

/** {@link prepareMessage} after the (possibly asynchronous) schema check: synchronous. */
function buildMessage(
  task: EnqueueTarget,
  args: unknown,
  options: EnqueueOptions,
  client: CeleriacClient,
): PreparedMessage {
  const def = task.definition;
  const what = `task "${def.name}"`;
  const now = client.now();
  const id = options.id ?? crypto.randomUUID();
  if (typeof id !== 'string' || !ID.test(id)) {
    throw invalid(ErrorCode.INVALID_OPTION, `${what} id`, id, '1-128 characters of A-Z a-z 0-9 _ . : -');
  }
  const eta = resolveEta(options, now, what);
  const expires = resolveExpires(options, now, what);
  const delaySeconds = eta === undefined ? 0 : Math.max(0, Math.ceil((eta - now) / 1000));
  const long = delaySeconds > Limits.SQS_MAX_DELAY_SECONDS;
  if (long && eta! - now > MAX_DELAY_MS) {
    throw invalid(ErrorCode.DELAY_TOO_LONG, `${what} delay`, `${delaySeconds}s`, 'at most 1 year (365 days)');
  }
  if (long) requireScheduler(client.config, `${what} delay of ${delaySeconds}s`);
  const queue = options.queue ?? def.queue;
  const tags = options.tags?.length
    ? [...new Set([...def.tags, ...checkTags(options.tags, what)])]
    : def.tags;
  const trace = process.env._X_AMZN_TRACE_ID;
  const envelope: Envelope = {
    v: Defaults.ENVELOPE_VERSION,
    id,
    task: def.name,
    args: (args === undefined ? null : args) as Json,
    queue,
    enqueuedAt: now,
    ...(eta !== undefined && delaySeconds > 0 ? { eta } : {}),
    ...(expires !== undefined ? { expires } : {}),
    root: options.rootId ?? id,
    ...(options.parentId ? { parent: options.parentId } : {}),
    ...(tags.length ? { tags } : {}),
    ...(trace ? { trace } : {}),
    // Minted here, now: a revocation older than this cannot name this id (see Envelope.born).
    ...(options.id === undefined && options.rootId === undefined ? { born: now } : {}),
  };
  const body = encodeEnvelope(envelope);
  const queueUrl = client.queue(queue).url;
  if (long) {
    oneTimeScheduleRequest(client.config, envelope, body); // size and config checks, before sending
    return { id, taskName: def.name, queueUrl, body, delaySeconds, envelope };
  }
  return { id, taskName: def.name, queueUrl, body, delaySeconds };
}

function resolveEta(options: EnqueueOptions, now: number, what: string): number | undefined {
  if (options.delay !== undefined && options.eta !== undefined) {
    throw invalid(ErrorCode.INVALID_OPTION, `${what} delay and eta`, 'both', 'one of delay or eta, not both');
  }
  if (options.delay !== undefined) return now + toMillis(options.delay, `${what} delay`);
  if (options.eta === undefined) return undefined;
  return toEpochMs(options.eta, `${what} eta`);
}

function resolveExpires(options: EnqueueOptions, now: number, what: string): number | undefined {
  const { expires } = options;
  if (expires === undefined) return undefined;
  return expires instanceof Date
    ? toEpochMs(expires, `${what} expires`)
    : now + toMillis(expires, `${what} expires`);
}

function toEpochMs(value: Date | string | number, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw invalid(ErrorCode.INVALID_OPTION, what, value, 'a Date, an ISO 8601 string or epoch milliseconds');
  }
  return ms;
}

/**
 * Enqueue one run of a task. Arguments are checked against the task's schema, the message
 * against SQS's limits, before anything is sent.
 *
 * @example
 * ```ts
 * const handle = await enqueue(add, { x: 1, y: 2 }, { delay: '30s' });
 * const sum = await handle.result();
 * ```
 */
export function enqueue<A, R>(
  task: Task<A, R>,
  args: A,
  options: EnqueueOptions = {},
): Promise<TaskHandle<R>> {
  return enqueueTarget<R>(task, args, options);
}

/** @internal {@link enqueue} for any {@link EnqueueTarget} (a task, or a task known by name). */
export async function enqueueTarget<R>(
  task: EnqueueTarget,
  args: unknown,
  options: EnqueueOptions = {},
): Promise<TaskHandle<R>> {
  const client = options.client ?? getDefaultClient();
  if (options.idempotencyKey !== undefined) return enqueueOnce<R>(task, args, options, client);
  const msg = await prepareMessage(task, args, options, client);
  if (msg.envelope) {
    await scheduleEnvelope(client, msg.envelope, msg.body);
    return new TaskHandle<R>(msg.id, msg.taskName, client);
  }
  try {
    await client.sqs.send(
      new SendMessageCommand({
        QueueUrl: msg.queueUrl,
        MessageBody: msg.body,
        ...(msg.delaySeconds > 0 ? { DelaySeconds: msg.delaySeconds } : {}),
      }),
    );
  } catch (cause) {
    throw new CeleriacError(
      ErrorCode.SEND_FAILED,
      `task "${msg.taskName}" ${msg.id} was not enqueued: ${String(cause)}`,
      {
        value: msg.id,
        cause,
      },
    );
  }
  return new TaskHandle<R>(msg.id, msg.taskName, client);
}

/** One entry of {@link enqueueMany}. */
export interface EnqueueEntry<A = unknown> {
  readonly task: Task<A, unknown>;
  readonly args: A;
  readonly options?: Omit<EnqueueOptions, 'client'>;
}

/**
 * The entries of {@link enqueueMany}, each `args` checked against its own task's argument type
 * (an array of one task, a literal list of several, or a plain `EnqueueEntry[]`).
 */
export type CheckedEntries<E extends readonly EnqueueEntry[]> = {
  readonly [K in keyof E]: E[K] extends { readonly task: Task<infer A, unknown> } ? EnqueueEntry<A> : E[K];
};

/** The per-entry outcome of {@link enqueueMany}, in input order. */
export type EnqueueResult =
  | { readonly ok: true; readonly id: string; readonly handle: TaskHandle<unknown> }
  | { readonly ok: false; readonly error: CeleriacError };

/** Options of {@link enqueueMany}. */
export interface EnqueueManyOptions {
  readonly client?: CeleriacClient;
  /** Batches in flight at once. @default 4 */
  readonly concurrency?: number;
}

/**
 * Enqueue many runs through `SendMessageBatch` (≤ 10 entries and ≤ 1 MiB per call). Each
 * entry is validated on its own: a bad one is reported and the others are still sent; an
 * entry SQS rejects is retried when the fault is SQS's, reported otherwise; none is sent twice.
 *
 * @example
 * ```ts
 * const results = await enqueueMany(users.map((u) => ({ task: welcome, args: { userId: u.id } })));
 * const failed = results.filter((r) => !r.ok);
 * ```
 */
export async function enqueueMany<const E extends readonly EnqueueEntry[]>(
  entries: E & CheckedEntries<E>,
  options: EnqueueManyOptions = {},
): Promise<EnqueueResult[]> {
  const client = options.client ?? getDefaultClient();
  const results: EnqueueResult[] = new Array(entries.length);
  // Lanes take slices of the input, prepare them and send them at once: preparing the next
  // slice overlaps with sending the previous one, as a hand-written loop would.
  const slice = Limits.SQS_MAX_BATCH_ENTRIES;
  let next = 0;
  const lane = async () => {
    while (next < entries.length) {
      const start = next;
      next += slice;
      const prepared: Item[] = [];
      for (let index = start; index < Math.min(start + slice, entries.length); index++) {
        const entry = entries[index]!;
        try {
          // Tasks without a schema need no await: no microtask per message.
          const msg = entry.task.definition.schema
            ? await prepareMessage(entry.task, entry.args, entry.options ?? {}, client)
            : buildMessage(entry.task, entry.args, entry.options ?? {}, client);
          prepared.push({ index, msg });
        } catch (err) {
          results[index] = { ok: false, error: asCeleriacError(err) };
        }
      }
      const delayed = prepared.filter((p) => p.msg.envelope);
      const errors = await scheduleEnvelopes(
        client,
        delayed.map((p) => ({ envelope: p.msg.envelope!, body: p.msg.body })),
      );
      delayed.forEach((item, i) => {
        const error = errors[i];
        results[item.index] = error
          ? { ok: false, error }
          : { ok: true, id: item.msg.id, handle: new TaskHandle(item.msg.id, item.msg.taskName, client) };
      });
      const now = prepared.filter((p) => !p.msg.envelope);
      for (const [queueUrl, list] of groupBy(now, (i) => i.msg.queueUrl))
        await sendItems(client, queueUrl, list, results);
    }
  };
  const lanes = Math.min(Math.max(1, options.concurrency ?? 4), Math.ceil(entries.length / slice));
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}

type Item = { index: number; msg: PreparedMessage };

/** Send one queue's items and fill in their results: a handle each, or why it was not sent. */
async function sendItems(
  client: CeleriacClient,
  queueUrl: string,
  items: readonly Item[],
  results: EnqueueResult[],
): Promise<void> {
  const failures = await sendMessageBatches(client.sqs, queueUrl, items, (item) => ({
    body: item.msg.body,
    delaySeconds: item.msg.delaySeconds,
  }));
  for (const item of items) {
    results[item.index] = {
      ok: true,
      id: item.msg.id,
      handle: new TaskHandle(item.msg.id, item.msg.taskName, client),
    };
  }
  for (const { item, code, message } of failures) {
    results[item.index] = {
      ok: false,
      error: new CeleriacError(
        ErrorCode.SEND_FAILED,
        `task "${item.msg.taskName}" ${item.msg.id} was not enqueued: ${code}: ${message}`,
        { value: item.msg.id },
      ),
    };
  }
}

function asCeleriacError(err: unknown): CeleriacError {
  return err instanceof CeleriacError
    ? err
    : new CeleriacError(ErrorCode.SEND_FAILED, String(err), { cause: err });
}

async function enqueueOnce<R>(
  task: EnqueueTarget,
  args: unknown,
  options: EnqueueOptions,
  client: CeleriacClient,
): Promise<TaskHandle<R>> {
  const key = options.idempotencyKey!;
  const what = `task "${task.name}"`;
  if (typeof key !== 'string' || key.length < 1 || key.length > 256) {
    throw invalid(ErrorCode.INVALID_OPTION, `${what} idempotencyKey`, key, 'a string of 1-256 characters');
  }
  if (options.id !== undefined) {
    throw invalid(
      ErrorCode.INVALID_OPTION,
      `${what} id and idempotencyKey`,
      'both',
      'one of id or idempotencyKey',
    );
  }
  const windowMs = toMillis(options.idempotencyWindow ?? '24h', `${what} idempotencyWindow`);
  if (windowMs < 1_000)
    throw invalid(
      ErrorCode.INVALID_DURATION,
      `${what} idempotencyWindow`,
      options.idempotencyWindow,
      'at least 1s',
    );
  // Validate before claiming, so a bad call never burns the key.
  await prepareMessage(task, args, { ...options, idempotencyKey: undefined }, client);
  const claim = await claimIdempotencyKey(client, task.name, key, windowMs);
  if (!claim.first) return new TaskHandle<R>(claim.id, task.name, client);
  try {
    return await enqueueTarget<R>(task, args, {
      ...options,
      idempotencyKey: undefined,
      id: claim.id,
      client,
    });
  } catch (err) {
    await releaseIdempotencyKey(client, task.name, key).catch(() => undefined);
    throw err;
  }
}
