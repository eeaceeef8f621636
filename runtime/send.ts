import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { isTransientAwsError } from './aws-errors.js';
import { groupBy, packSqsBatches } from './batching.js';
import type { CeleriacClient } from './client.js';
import { Limits } from './constants.js';
import { type Envelope, encodeEnvelope } from './envelope.js';
import { CeleriacError, ErrorCode } from './errors.js';
import { utf8Bytes } from './json.js';
import { scheduleEnvelopes } from './schedules/one-time.js';

/** Attempts for entries SQS failed on its side. */
const ATTEMPTS = 3;

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
    for (const batch of packSqsBatches(list, (r) => utf8Bytes(r.body))) {
      const out = await sendBatch(client, queueUrl, batch);
      failed.push(...out.failed);
      cause ??= out.error;
    }
  }
  if (failed.length) {
    throw new CeleriacError(ErrorCode.SEND_FAILED, `tasks not sent: ${failed.join(', ')}`, {
      value: failed,
      ...(cause !== undefined ? { cause } : {}),
    });
  }
}

async function sendBatch(
  client: CeleriacClient,
  queueUrl: string,
  batch: readonly Ready[],
): Promise<{ failed: string[]; error?: unknown }> {
  let pending = batch.map((r, i) => ({ r, i }));
  let lastError = '';
  let error: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS && pending.length; attempt++) {
    try {
      const out = await client.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: pending.map(({ r, i }) => ({
            Id: String(i),
            MessageBody: r.body,
            ...(r.delaySeconds > 0 ? { DelaySeconds: r.delaySeconds } : {}),
          })),
        }),
      );
      const failedIds = new Set((out.Failed ?? []).map((f) => f.Id));
      const senderFault = (out.Failed ?? []).filter((f) => f.SenderFault);
      if (senderFault.length) {
        lastError = `${senderFault[0]!.Code}: ${senderFault[0]!.Message}`;
        return { failed: senderFault.map((f) => batch[Number(f.Id)]!.envelope.id) };
      }
      pending = pending.filter(({ i }) => failedIds.has(String(i)));
    } catch (err) {
      lastError = String(err);
      error = err;
    }
    if (pending.length && attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
  }
  return { failed: pending.map(({ r }) => `${r.envelope.id} (${lastError})`), error };
}
