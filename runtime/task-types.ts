import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { SignatureOptions, TaskSignature } from './canvas/signature.js';
import type { ResultMode } from './constants.js';
import type { Duration } from './duration.js';
import type { EnqueueOptions } from './enqueue-options.js';
import type { TaskHandle } from './handle.js';
import type { Logger } from './logger.js';
import type { RateLimit, RateLimitPolicy } from './ratelimit/parse.js';
import type { RetryOptions, RetryPolicy } from './retry.js';

// The shapes of a task, apart from `task()` that builds one: `enqueue.ts` needs them, and
// `task.ts` needs `enqueue()`, so they live here to keep the import graph acyclic.

/** What a task's handler receives besides its arguments. */
export interface TaskContext {
  /** The task id (stable across retries and duplicate deliveries: key side effects on it). */
  readonly id: string;
  readonly name: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly queue: string;
  /** The first task of the workflow this task belongs to (its own id when alone). */
  readonly rootId: string;
  readonly parentId: string | undefined;
  readonly tags: readonly string[];
  /** Aborted at the task's time limit, or when the Lambda is about to run out of time. */
  readonly signal: AbortSignal;
  /** Milliseconds left before the time limit. */
  remainingMs(): number;
  /** Structured logger that already carries the task id, name, attempt and queue. */
  readonly log: Logger;
}

/** Options of {@link task}. */
export interface TaskOptions<S extends StandardSchemaV1 | undefined = undefined, A = never> {
  /** Name of the (priority) queue in the registry. @default 'default' */
  readonly queue?: string;
  /** Time limit of one attempt; the handler's signal aborts at it. @default the queue's worker timeout */
  readonly timeout?: Duration;
  /** Retry policy. @default 3 attempts, exponential backoff from 1 s, full jitter */
  readonly retry?: RetryOptions;
  /** What to store in the results table. @default 'always' */
  readonly result?: ResultMode;
  /** How long a stored result is kept. @default '7d' */
  readonly resultTtl?: Duration;
  /** Tags copied onto every run, for filtering. @default [] */
  readonly tags?: readonly string[];
  /** A Standard Schema (zod, valibot, arktype…) for the arguments: checked at enqueue and in the worker. */
  readonly schema?: S;
  /** Write a STARTED state before running (costs one more write per task). @default false */
  readonly trackStarted?: boolean;
  /** Store the arguments with the result (up to 8 KB) for the dashboard. @default true */
  readonly storeArgs?: boolean;
  /**
   * Execute at most once per task id, even under duplicate or concurrent delivery: a claim
   * record (conditional write, in-progress expiry = the Lambda's deadline) is taken before the
   * handler runs; a duplicate gets the stored result. Costs two writes per run. @default false
   */
  readonly runOnce?: boolean;
  /**
   * At most this many runs per second, minute or hour across all Lambda instances (a shared
   * DynamoDB fixed-window limiter). A limited run waits for the next window: it is not failed
   * and does not spend an attempt.
   */
  readonly rateLimit?: RateLimit;
  /**
   * Limit per key (tenant, account…) instead of per task: the key of a run's arguments, typed
   * as the handler's arguments (a schema's output).
   */
  readonly rateLimitKey?: (args: A) => string;
}

/** A task's settings after validation. */
export interface TaskDefinition {
  readonly name: string;
  readonly queue: string;
  /** `undefined`: bounded by the worker's own timeout only. */
  readonly timeoutMs: number | undefined;
  readonly retry: RetryPolicy;
  readonly resultMode: ResultMode;
  readonly resultTtlMs: number;
  readonly tags: readonly string[];
  readonly trackStarted: boolean;
  readonly storeArgs: boolean;
  readonly schema: StandardSchemaV1 | undefined;
  readonly runOnce: boolean;
  readonly rateLimit: RateLimitPolicy | undefined;
  readonly rateLimitKey: ((args: unknown) => string) | undefined;
}

/** A task handler: arguments in, JSON result out. */
export type TaskHandler<A, R> = (args: A, ctx: TaskContext) => R | Promise<R>;

/**
 * A defined task. `A` is what callers pass to `enqueue`, `R` what the handler returns.
 *
 * @example
 * ```ts
 * const handle = await add.enqueue({ x: 1, y: 2 });
 * const sum: number = await handle.result({ timeout: '30s' });
 * ```
 */
export interface Task<A = unknown, R = unknown> {
  readonly name: string;
  readonly definition: TaskDefinition;
  /** Run the handler directly (used by the worker; handy in unit tests). */
  readonly run: TaskHandler<unknown, R>;
  /** Enqueue one run of this task. */
  enqueue(args: A, options?: EnqueueOptions): Promise<TaskHandle<R>>;
  /**
   * A partial signature (canvas): the previous step's result becomes the arguments. With
   * `args` and `resultKey`, the arguments are `{ ...args, [resultKey]: previous }`; with `args`
   * alone, `{ ...previous, ...args }` (the previous result must be an object).
   *
   * @example
   * ```ts
   * chain(add.si({ x: 2, y: 2 }), mul.s({ y: 4 }, { resultKey: 'x' }), double.s());
   * ```
   */
  s(): TaskSignature<A, R>;
  s(args: undefined, options: SignatureOptions): TaskSignature<A, R>;
  s<K extends keyof A & string>(
    args: Omit<A, K>,
    options: SignatureOptions & { readonly resultKey: K },
  ): TaskSignature<A[K], R>;
  s(args: Partial<A>, options?: SignatureOptions): TaskSignature<Partial<A>, R>;
  /**
   * An immutable signature (canvas): runs with exactly `args`, ignoring any previous result.
   *
   * @example
   * ```ts
   * chain(reset.si({ id }), notify.si({ to: 'ops' }));
   * ```
   */
  si(args: A, options?: SignatureOptions): TaskSignature<unknown, R>;
  /** Phantom member carrying the argument type; never set. */
  readonly __args?: A;
}
