import { stringEnum } from './string-enum.js';

/**
 * Library errors: every error Celeriac itself raises is a {@link CeleriacError} with a stable
 * `code`, the offending `value` (when there is one) and a sentence saying what is allowed.
 *
 * @example
 * ```ts
 * try {
 *   await sendEmail.enqueue(args, { delay: '2h' });
 * } catch (err) {
 *   if (err instanceof CeleriacError && err.code === 'DELAY_TOO_LONG') { ... }
 * }
 * ```
 */
export const ErrorCode = stringEnum(
  'INVALID_OPTION',
  'INVALID_DURATION',
  'DUPLICATE_TASK',
  'DUPLICATE_QUEUE',
  'UNKNOWN_QUEUE',
  'UNKNOWN_TASK',
  'INVALID_ARGS',
  'NOT_JSON',
  'PAYLOAD_TOO_LARGE',
  'DELAY_TOO_LONG',
  'CONFIG_MISSING',
  'CONFIG_INVALID',
  'MALFORMED_MESSAGE',
  'UNSUPPORTED_VERSION',
  'SEND_FAILED',
  'WAIT_TIMEOUT',
  'TASK_FAILED',
  'TASK_REVOKED',
  // A canvas could not be built or continued (bad input for a partial signature, empty chain…).
  'INVALID_CANVAS',
  // A chord member failed for good: the chord body does not run.
  'CHORD_FAILED',
  // A step of a chain failed for good: the steps after it do not run.
  'CHAIN_ABORTED',
  // A long delay or cron needs `config.scheduler` (EventBridge Scheduler), and none is configured.
  'SCHEDULER_NOT_CONFIGURED',
  // EventBridge Scheduler refused or failed a request.
  'SCHEDULE_FAILED',
  // A cron or rate expression that Scheduler cannot express, or a bad schedule entry.
  'INVALID_SCHEDULE',
  'UNKNOWN_SCHEDULE',
  'DUPLICATE_SCHEDULE',
  // A rate limit string such as "100/m" that does not parse.
  'INVALID_RATE_LIMIT',
);

/** One of {@link ErrorCode}'s values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options carried by every {@link CeleriacError}. */
export interface CeleriacErrorOptions {
  /** The value that was rejected, when there is one. */
  readonly value?: unknown;
  /** What would have been accepted, in words. */
  readonly allowed?: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * Base class of every error the library raises.
 *
 * @example
 * ```ts
 * throw new CeleriacError('INVALID_OPTION', 'batchSize must be 1-10', { value: 11, allowed: '1..10' });
 * ```
 */
export class CeleriacError extends Error {
  override readonly name: string = 'CeleriacError';
  readonly code: ErrorCode;
  readonly value: unknown;
  readonly allowed: string | undefined;

  constructor(code: ErrorCode, message: string, options: CeleriacErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.value = options.value;
    this.allowed = options.allowed;
  }

  /** A JSON-safe form for results, APIs and logs. */
  toJSON(): { code: ErrorCode; message: string; allowed?: string } {
    return this.allowed === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, allowed: this.allowed };
  }
}

/** Render a rejected value for an error message, short and safe. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Build a {@link CeleriacError} whose message names the value and what is allowed.
 *
 * @example
 * ```ts
 * throw invalid('INVALID_OPTION', 'queue "high" batchSize', 0, 'an integer from 1 to 10');
 * ```
 */
export function invalid(code: ErrorCode, what: string, value: unknown, allowed: string): CeleriacError {
  return new CeleriacError(code, `${what}: got ${describeValue(value)}; allowed: ${allowed}`, {
    value,
    allowed,
  });
}
