import { isTransientAwsError } from './aws-errors.js';
import { groupBy } from './batching.js';
import type { CeleriacClient } from './client.js';
import { Limits } from './constants.js';
import { type Envelope, encodeEnvelope } from './envelope.js';
import { CeleriacError, ErrorCode } from './errors.js';
import { scheduleEnvelopes } from './schedules/one-time.js';
import { sendMessageBatches } from './send-batch.js';

interface Ready {
  readonly envelope: Envelope;
  readonly body: string;
  readonly queueUrl: string;
  readonly delaySeconds: number;
}

/**
 * Send envelopes built by the runtime (canvas steps, chord bodies, callbacks): `SendMessageBatch`
 * per queue for delays up to 15 minutes, a one-time EventBridge Scheduler schedule for longer
 * ones. Every envelope is encoded (and size-checked) before anything is sent.
 *
 * Long delays are scheduled first, several at a time; a transient Scheduler failure is retried
 * with backoff, and if it persists the other envelopes are still sent before the error is thrown.
 *
 * @throws CeleriacError `SCHEDULE_FAILED` when Scheduler refuses an envelope (no message sent yet; other
 *   schedules of the batch may exist, and creating them again is a no-op).
 * @throws CeleriacError `SEND_FAILED` naming the ids not sent (others may have been sent: their
 *   ids are deterministic, so sending them again is deduplicated by the worker).
 * @example
 * ```ts
 * await sendEnvelopes(client, [envelope]);
 * ```
 */
export async function sendEnvelopes(client: CeleriacClient, envelopes: readonly Envelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  const now = client.now();
  const ready: Ready[] = envelopes.map((envelope) => ({
    envelope,
    body: encodeEnvelope(envelope),
    queueUrl: client.queue(envelope.queue).url,
    delaySeconds: envelope.eta === undefined ? 0 : Math.max(0, Math.ceil((envelope.eta - now) / 1000)),
  }));
  const long = ready.filter((r) => r.delaySeconds > Limits.SQS_MAX_DELAY_SECONDS);
  const scheduleErrors = (await scheduleEnvelopes(client, long)).filter((e) => e !== undefined);
  // A refusal (not a transient failure) says something about the envelope: report it as such.
  const refused = scheduleErrors.find((e) => !isTransientAwsError(e.cause));
  if (refused) throw refused;
  const short = ready.filter((r) => r.delaySeconds <= Limits.SQS_MAX_DELAY_SECONDS);
  const failed: string[] = scheduleErrors.map((e) => `${String(e.value)} (${e.message})`);
  let cause: unknown = scheduleErrors[0];
  for (const [queueUrl, list] of groupBy(short, (r) => r.queueUrl)) {
    const failures = await sendMessageBatches(client.sqs, queueUrl, list, (r) => ({
      body: r.body,
      delaySeconds: r.delaySeconds,
    }));
    failed.push(...failures.map((f) => `${f.item.envelope.id} (${f.code}: ${f.message})`));
    cause ??= failures.find((f) => f.cause !== undefined)?.cause;
  }
  if (failed.length) {
    throw new CeleriacError(ErrorCode.SEND_FAILED, `tasks not sent: ${failed.join(', ')}`, {
      value: failed,
      ...(cause !== undefined ? { cause } : {}),
    });
  }
}
