import { TaskState } from '../../../../runtime/constants.js';
import type { Envelope } from '../../../../runtime/envelope.js';
import type { Claim } from '../../../../runtime/idempotency/run-claim.js';
import type { Json } from '../../../../runtime/json.js';
import type { Slot } from '../../../../runtime/ratelimit/limiter.js';
import type { RateLimitPolicy } from '../../../../runtime/ratelimit/parse.js';
import type { SerializedError, TaskEvent } from '../../../../runtime/results/record.js';
import type { Transition, WriteOutcome } from '../../../../runtime/results/store.js';
import type { WorkflowContinuation } from '../../../../runtime/worker/continuation.js';
import type { WorkerStore } from '../../../../runtime/worker/store.js';

/** A task item as the in-memory store keeps it: the last transition's fields, and the timeline. */
export interface MemoryRecord extends Omit<Transition, 'fresh' | 'protect'> {
  readonly history: readonly TaskEvent[];
}

type Op = keyof WorkerStore;

const DEFAULT_PROTECT: readonly TaskState[] = [TaskState.SUCCESS, TaskState.REVOKED];

/**
 * The worker's store in memory, with the results table's semantics: a write never replaces a
 * protected state; run-once claims are taken once, re-taken after their in-progress expiry,
 * COMPLETED hands back the result; rate-limit windows count runs. `unreachable(op, n)` makes
 * the next `n` calls of an operation fail as an unreachable store would.
 */
export class MemoryWorkerStore implements WorkerStore {
  readonly records = new Map<string, MemoryRecord>();
  readonly claims = new Map<string, { status: 'INPROGRESS' | 'COMPLETED'; until: number; result?: Json }>();
  readonly windows = new Map<string, number>();
  readonly deadLettered = new Set<string>();
  readonly #failures = new Map<Op, number>();

  constructor(readonly now: () => number) {}

  /** Fail the next `times` calls of `op`. */
  unreachable(op: Op, times = 1): this {
    this.#failures.set(op, times);
    return this;
  }

  #maybeFail(op: Op): void {
    const left = this.#failures.get(op) ?? 0;
    if (left > 0) {
      this.#failures.set(op, left - 1);
      throw Object.assign(new Error(`${op}: connect ECONNREFUSED`), { name: 'NetworkingError' });
    }
  }

  async write(t: Transition): Promise<WriteOutcome> {
    this.#maybeFail('write');
    const old = this.records.get(t.id);
    const protect = t.protect ?? DEFAULT_PROTECT;
    if (old && protect.includes(old.state)) return { written: false, current: old.state };
    const { fresh: _fresh, protect: _protect, ...fields } = t;
    const event: TaskEvent = {
      state: t.state,
      at: this.now(),
      attempt: t.attempt,
      ...(t.error ? { error: { type: t.error.type, message: t.error.message.slice(0, 500) } } : {}),
      ...(t.retryInMs !== undefined ? { retryInMs: t.retryInMs } : {}),
    };
    // The table item is JSON: a write of a value JSON cannot hold fails as DynamoDB's would.
    JSON.stringify(fields);
    this.records.set(t.id, { ...fields, history: [...(old?.history ?? []), event] });
    return { written: true };
  }

  async claimRun(taskId: string, inProgressUntilMs: number, _ttlMs?: number): Promise<Claim> {
    this.#maybeFail('claimRun');
    const old = this.claims.get(taskId);
    if (!old || (old.status === 'INPROGRESS' && old.until < this.now())) {
      this.claims.set(taskId, { status: 'INPROGRESS', until: inProgressUntilMs });
      return { kind: 'claimed' };
    }
    if (old.status === 'COMPLETED') return { kind: 'completed', result: old.result ?? null };
    return { kind: 'in-progress', untilMs: old.until };
  }

  async completeRun(taskId: string, result: Json): Promise<void> {
    this.#maybeFail('completeRun');
    this.claims.set(taskId, { status: 'COMPLETED', until: 0, result: JSON.parse(JSON.stringify(result)) });
  }

  async releaseRun(taskId: string): Promise<void> {
    this.#maybeFail('releaseRun');
    this.claims.delete(taskId);
  }

  async acquireSlot(task: string, key: string, policy: RateLimitPolicy): Promise<Slot> {
    this.#maybeFail('acquireSlot');
    const windowStart = Math.floor(this.now() / policy.periodMs) * policy.periodMs;
    const id = `${task}#${key}#${windowStart}`;
    const n = this.windows.get(id) ?? 0;
    if (n >= policy.limit) return { ok: false, retryAtMs: windowStart + policy.periodMs };
    this.windows.set(id, n + 1);
    return { ok: true };
  }

  async wasDeadLettered(messageId: string): Promise<boolean> {
    this.#maybeFail('wasDeadLettered');
    return this.deadLettered.has(messageId);
  }

  async markDeadLettered(messageId: string): Promise<void> {
    this.#maybeFail('markDeadLettered');
    this.deadLettered.add(messageId);
  }
}

/** A workflow continuation that keeps what it was asked to do; `unreachable(n)` fails the next n. */
export class MemoryWorkflow implements WorkflowContinuation {
  readonly successes: { env: Envelope; result: Json; token: string }[] = [];
  readonly failures: { env: Envelope; error: SerializedError }[] = [];
  #fail = 0;
  #reject: Error | undefined;

  unreachable(times = 1): this {
    this.#fail = times;
    return this;
  }

  /** Make the next success continuation throw `error` (e.g. a CeleriacError for a bad partial). */
  rejectWith(error: Error): this {
    this.#reject = error;
    return this;
  }

  async onSuccess(env: Envelope, result: Json, token: string): Promise<void> {
    if (this.#reject) {
      const error = this.#reject;
      this.#reject = undefined;
      throw error;
    }
    this.#check();
    this.successes.push({ env, result, token });
  }

  async onFailure(env: Envelope, error: SerializedError): Promise<void> {
    this.#check();
    this.failures.push({ env, error });
  }

  #check(): void {
    if (this.#fail > 0) {
      this.#fail--;
      throw new Error('SendMessageBatch: connect ECONNREFUSED');
    }
  }
}
