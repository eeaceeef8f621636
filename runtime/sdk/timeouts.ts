import { Defaults } from '../constants.js';

/**
 * Deadlines of every AWS SDK call a {@link CeleriacClient} makes. The SDK sets none by default:
 * a connection whose packets are dropped would hang until the Lambda dies.
 */
export interface SdkTimeouts {
  /** Longest wait for a TCP connection to be established. @default 3000 ms */
  readonly connectMs?: number;
  /** Longest wait for a whole response, per attempt (the SDK retries up to 3 attempts). @default 5000 ms */
  readonly requestMs?: number;
}

/** The `requestHandler` options an SDK v3 client turns into its Node.js HTTP handler. */
export interface TimedHandlerOptions {
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  readonly throwOnRequestTimeout: true;
}

/**
 * `requestHandler` options for SDK v3 clients: connection and request timeouts that raise
 * `TimeoutError` (the SDK then retries, at most 3 attempts in all, and reports the error).
 *
 * @example
 * ```ts
 * const sqs = new SQSClient({ requestHandler: timedHttpHandler({ requestMs: 2_000 }) });
 * ```
 */
export function timedHttpHandler(timeouts: SdkTimeouts = {}): TimedHandlerOptions {
  return {
    connectionTimeout: timeouts.connectMs ?? Defaults.SDK_CONNECT_TIMEOUT_MS,
    requestTimeout: timeouts.requestMs ?? Defaults.SDK_REQUEST_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  };
}
