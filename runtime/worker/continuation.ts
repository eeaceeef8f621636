import { continueOnFailure, continueOnSuccess } from '../canvas/continue.js';
import type { CeleriacClient } from '../client.js';
import type { Envelope } from '../envelope.js';
import type { Json } from '../json.js';
import type { SerializedError } from '../results/record.js';

/**
 * What happens in a workflow after one of its tasks ends: the next chain step, link callbacks,
 * a chord join on success; link-errors, the aborted chain and the failed chord on failure.
 * Both are idempotent (every id is frozen in the envelope), so a redelivered message may run
 * them again.
 *
 * @example
 * ```ts
 * await canvasContinuation(client).onSuccess(env, result, requestId);
 * ```
 */
export interface WorkflowContinuation {
  onSuccess(env: Envelope, result: Json, token: string): Promise<void>;
  onFailure(env: Envelope, error: SerializedError): Promise<void>;
}

/**
 * The canvas continuation: sends through SQS (and Scheduler), joins chords in the results table.
 * `deadline` is when the invocation ends (epoch ms), kept with a chord firing claim.
 *
 * @example
 * ```ts
 * const workflow = canvasContinuation(client);
 * ```
 */
export function canvasContinuation(client: CeleriacClient, deadline?: number): WorkflowContinuation {
  return {
    onSuccess: (env, result, token) => continueOnSuccess(client, env, result, token, deadline),
    onFailure: (env, error) => continueOnFailure(client, env, error),
  };
}
