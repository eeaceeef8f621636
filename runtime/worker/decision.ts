import type { Envelope } from '../envelope.js';
import type { Json } from '../json.js';
import type { SerializedError } from '../results/record.js';
import type { Transition } from '../results/store.js';

/**
 * What the worker does with one record, decided from plain values by the pure functions of
 * `checks.ts`, `gates.ts` and `verdicts.ts`, and applied by `apply.ts` (the only place that
 * writes records, continues workflows and picks the message's {@link Outcome}).
 *
 * - `ack`: done (duplicate, revoked, expired); `record` is written first when present.
 * - `succeed`: the task returned; the workflow continues, then `record` (SUCCESS) is written.
 * - `retry`: `record` (RETRY) is written, the message comes back after `delayMs`; with
 *   `copy`, through a fresh copy (the queue's receive budget is spent: SQS would dead-letter it;
 *   or the backoff is longer than `Defaults.IN_FLIGHT_BACKOFF_MAX_MS` and must not wait in flight).
 * - `dead-letter`: failed for good; the workflow learns of the failure (`continueFailure`),
 *   `record` (FAILURE) is written, the message is copied to the DLQ.
 * - `defer`: not run now and not an attempt: replaced by a copy carrying `spent` attempts.
 */
export type Decision =
  | { readonly kind: 'ack'; readonly why: string; readonly record?: Transition }
  | {
      readonly kind: 'succeed';
      readonly env: Envelope;
      readonly result: Json;
      readonly record?: Transition;
      /** What to do instead when the workflow cannot be continued with this result (a bug). */
      readonly onRejected: (error: SerializedError) => Decision;
    }
  | {
      readonly kind: 'retry';
      readonly delayMs: number;
      readonly record?: Transition;
      /** Retry through a fresh copy of `env` carrying `spent` attempts, not a visibility change. */
      readonly copy?: { readonly env: Envelope; readonly spent: number };
    }
  | {
      readonly kind: 'dead-letter';
      readonly error: SerializedError;
      readonly record?: Transition;
      /** Set when the envelope's workflow must learn of the failure (chain, chord, link-error). */
      readonly continueFailure?: Envelope;
    }
  | { readonly kind: 'defer'; readonly delayMs: number; readonly env: Envelope; readonly spent: number };

/** A {@link SerializedError} built by the worker itself. */
export function workerError(type: string, message: string, code?: string): SerializedError {
  return { type, message, ...(code ? { code } : {}) };
}
