import type { SerializedError } from '../results/record.js';

/** What to do with one record once its task has been handled. */
export type Outcome =
  /** Done (succeeded, duplicate, revoked, expired): let the event source delete it. */
  | { readonly kind: 'ack' }
  /** Run again after `delayMs`: visibility change, then report as an item failure. */
  | { readonly kind: 'retry'; readonly delayMs: number }
  /** Failed for good: copy to the DLQ (replayable) with the reason, then delete. */
  | { readonly kind: 'dead-letter'; readonly error: SerializedError }
  /**
   * Not run now and not an attempt (rate limited, or a run-once claim held elsewhere): replaced
   * by a copy `body` delayed by `delayMs` whose envelope carries the attempts already spent.
   */
  | { readonly kind: 'defer'; readonly delayMs: number; readonly body: string }
  /** Could not be handled now (e.g. results store down): report as an item failure as is. */
  | { readonly kind: 'fail' };

export const ACK: Outcome = { kind: 'ack' };
export const FAIL: Outcome = { kind: 'fail' };
