import type { CeleriacClient } from './client.js';
import type { Duration } from './duration.js';

/**
 * Options of one enqueue.
 *
 * @example
 * ```ts
 * await report.enqueue({ day: '2026-11-23' }, { delay: '10m', expires: '1h', tags: ['tenant:42'] });
 * ```
 */
export interface EnqueueOptions {
  /**
   * Run no sooner than this from now: ≤ 15 min through SQS DelaySeconds, up to a year through a
   * one-time EventBridge Scheduler schedule (needs `config.scheduler`). Exclusive with `eta`.
   */
  readonly delay?: Duration;
  /** Run no sooner than this moment (Date, ISO string or epoch ms). Exclusive with `delay`. */
  readonly eta?: Date | string | number;
  /** Don't run after this: a duration from now, or a moment. Expired tasks are recorded REVOKED. */
  readonly expires?: Duration | Date;
  /** Your own task id (1-128 of `A-Za-z0-9_.:-`). @default a random UUID */
  readonly id?: string;
  /**
   * Enqueue at most once per key within `idempotencyWindow`: a second enqueue with the same key
   * (for the same task) returns the first one's handle without sending. Exclusive with `id`.
   */
  readonly idempotencyKey?: string;
  /** How long an idempotency key holds. @default '24h' */
  readonly idempotencyWindow?: Duration;
  /** Send to this queue instead of the task's own. */
  readonly queue?: string;
  /** Extra tags for this run, added to the task's. */
  readonly tags?: readonly string[];
  /** The client to send through. @default the default client (config from the environment) */
  readonly client?: CeleriacClient;
  /** @internal Workflow root and parent (set by the canvas). */
  readonly rootId?: string;
  readonly parentId?: string;
}
