import { isTransientAwsError } from '../../runtime/aws-errors.js';
import { CeleriacError } from '../../runtime/internal.js';

/** Error codes the API adds to the runtime's own ({@link CeleriacError} codes pass through). */
export const ApiErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PURGE_IN_PROGRESS: 'PURGE_IN_PROGRESS',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UPSTREAM: 'UPSTREAM',
  /** AWS throttled the request or failed on its side: the same request may succeed shortly. */
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

/** One of {@link ApiErrorCode}'s values. */
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** HTTP statuses the API answers errors with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 500 | 502 | 503 | 504;

/**
 * An error with an HTTP status and a stable code, answered as `{ error: { code, message } }`.
 *
 * @example
 * ```ts
 * throw new ApiError(404, 'NOT_FOUND', `no task ${id}`);
 * ```
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON body of an error answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly allowed?: string };
}

const STATUS_BY_CODE: Readonly<Record<string, ErrorStatus>> = {
  PAYLOAD_TOO_LARGE: 413,
  SEND_FAILED: 502,
  CONFIG_MISSING: 500,
  CONFIG_INVALID: 500,
};

/**
 * Map any thrown value to a status and body. A transient AWS failure (throttle, 5xx, dropped
 * connection; directly or as the `cause` of a library error such as `SCHEDULE_FAILED`) is a
 * 503: the same request may succeed shortly. Library errors about input become 400 with
 * their code and message (which name the offending value); anything else is a 500 whose
 * message says only what failed, never arguments or results.
 *
 * @example
 * ```ts
 * const { status, body } = toErrorResponse(err);
 * ```
 */
export function toErrorResponse(err: unknown): { status: ErrorStatus; body: ErrorBody } {
  if (err instanceof ApiError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof CeleriacError && isTransientAwsError(err.cause)) {
    return { status: 503, body: { error: err.toJSON() } };
  }
  if (err instanceof CeleriacError) {
    const status = STATUS_BY_CODE[err.code] ?? 400;
    return { status, body: { error: err.toJSON() } };
  }
  const name = err instanceof Error ? err.name : 'Error';
  if (isTransientAwsError(err)) {
    return {
      status: 503,
      body: {
        error: { code: ApiErrorCode.UNAVAILABLE, message: `${name}: AWS is busy or failing; try again` },
      },
    };
  }
  if (name === 'PurgeQueueInProgress' || name === 'QueueDoesNotExist' || name === 'AccessDeniedException') {
    const status = name === 'PurgeQueueInProgress' ? 409 : 502;
    const code = name === 'PurgeQueueInProgress' ? ApiErrorCode.PURGE_IN_PROGRESS : ApiErrorCode.UPSTREAM;
    return { status, body: { error: { code, message: `${name}: ${(err as Error).message}` } } };
  }
  if (name === 'TimeoutError' || name === 'CallDeadlineError') {
    return {
      status: 504,
      body: { error: { code: ApiErrorCode.UPSTREAM, message: 'AWS did not answer in time; try again' } },
    };
  }
  return {
    status: 500,
    body: { error: { code: ApiErrorCode.INTERNAL, message: `internal error (${name})` } },
  };
}
