import type { TaskState } from '../constants.js';
import type { Json } from '../json.js';

/** An error as stored and shown: type, message and stack, JSON-safe. */
export interface SerializedError {
  /** The error's class name (`TypeError`, `TimeLimitExceeded`, `NotRegistered`…). */
  readonly type: string;
  readonly message: string;
  readonly stack?: string;
  /** A Celeriac error code, when the library raised it. */
  readonly code?: string;
}

/** One step of a task's timeline. */
export interface TaskEvent {
  readonly state: TaskState;
  /** Epoch ms. */
  readonly at: number;
  readonly attempt: number;
  readonly error?: Pick<SerializedError, 'type' | 'message'>;
  /** Delay before the next attempt, for RETRY. */
  readonly retryInMs?: number;
}

/**
 * A task as read from the results table. A task with no item is PENDING (or unknown).
 *
 * @example
 * ```ts
 * const rec = await client.results.get(id);
 * if (rec?.state === 'FAILURE') console.error(rec.error?.stack);
 * ```
 */
export interface TaskRecord {
  readonly id: string;
  readonly state: TaskState;
  readonly task: string;
  readonly queue: string;
  /** Attempts made so far. */
  readonly attempts: number;
  readonly args?: Json;
  readonly result?: Json;
  readonly error?: SerializedError;
  readonly enqueuedAt?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly updatedAt: number;
  readonly runtimeMs?: number;
  /** The Lambda request id of the attempt that wrote this. */
  readonly requestId?: string;
  readonly rootId: string;
  readonly parentId?: string;
  readonly tags: readonly string[];
  /** Epoch ms after which the item is expired (and hidden from reads); every timestamp here is epoch ms. */
  readonly expiresAt: number;
  readonly history: readonly TaskEvent[];
  /** Set when the result or the arguments were too large to store. */
  readonly truncated?: readonly ('args' | 'result')[];
}

/**
 * Serialise any thrown value into a {@link SerializedError}.
 *
 * @example
 * ```ts
 * serializeError(new TypeError('x')); // { type: 'TypeError', message: 'x', stack: '…' }
 * ```
 */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      type: error.name || 'Error',
      message: error.message.slice(0, 4_000),
      ...(error.stack ? { stack: error.stack.slice(0, 8_000) } : {}),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { type: 'NonErrorThrown', message: String(error).slice(0, 4_000) };
}
