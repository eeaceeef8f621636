import type { CeleriacClient } from '../client.js';
import { type Claim, claimRun, completeRun, releaseRun } from '../idempotency/run-claim.js';
import type { Json } from '../json.js';
import { acquireSlot, type Slot } from '../ratelimit/limiter.js';
import type { RateLimitPolicy } from '../ratelimit/parse.js';
import type { Transition, WriteOutcome } from '../results/store.js';
import { writeTransition } from '../results/write.js';
import { markDeadLettered, wasDeadLettered } from './dead-letter-mark.js';

/**
 * Everything the worker reads and writes besides the queue: task records, run-once claims and
 * rate-limit windows. In AWS and on the local stack it is the results table
 * ({@link tableWorkerStore}); the worker's unit tests use an in-memory implementation with the
 * same semantics.
 *
 * @example
 * ```ts
 * const store = tableWorkerStore(client);
 * await store.write({ id, state: 'SUCCESS', ... });
 * ```
 */
export interface WorkerStore {
  /** Record a state change; never replaces a protected state (see {@link Transition.protect}). */
  write(t: Transition): Promise<WriteOutcome>;
  /** Claim the right to run `taskId` once (see `claimRun`). */
  claimRun(taskId: string, inProgressUntilMs: number, ttlMs: number): Promise<Claim>;
  /** Mark a run-once claim COMPLETED with its result. */
  completeRun(taskId: string, result: Json): Promise<void>;
  /** Drop a run-once claim after a failed attempt. */
  releaseRun(taskId: string): Promise<void>;
  /** Take one slot of a fixed-window rate limit. */
  acquireSlot(task: string, key: string, policy: RateLimitPolicy): Promise<Slot>;
  /** True when this SQS message was already copied to its DLQ. */
  wasDeadLettered(messageId: string): Promise<boolean>;
  /** Remember that this SQS message was copied to its DLQ. */
  markDeadLettered(messageId: string): Promise<void>;
}

/**
 * The worker's store on the results table, through a client's DynamoDB client and clock.
 *
 * @example
 * ```ts
 * const store = tableWorkerStore(getDefaultClient());
 * ```
 */
export function tableWorkerStore(client: CeleriacClient): WorkerStore {
  return {
    write: (t) => writeTransition(client.results, t),
    claimRun: (taskId, until, ttlMs) => claimRun(client, taskId, until, ttlMs),
    completeRun: (taskId, result) => completeRun(client, taskId, result),
    releaseRun: (taskId) => releaseRun(client, taskId),
    acquireSlot: (task, key, policy) => acquireSlot(client, task, key, policy),
    wasDeadLettered: (messageId) => wasDeadLettered(client, messageId),
    markDeadLettered: (messageId) => markDeadLettered(client, messageId),
  };
}
