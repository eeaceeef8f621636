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

/** Bounds of a {@link SerializedError}'s fields (the item limit is 400 KB; an error is one field). */
export const ERROR_FIELD_MAX = { type: 200, message: 4_000, stack: 8_000, code: 100 } as const;

/**
 * Serialise any thrown value into a {@link SerializedError}. Never throws and every field is
 * bounded, whatever was thrown: a null-prototype object, an Error whose `message` is not a
 * string or whose getters throw, a 500 KB `name`.
 *
 * @example
 * ```ts
 * serializeError(new TypeError('x')); // { type: 'TypeError', message: 'x', stack: '…' }
 * ```
 */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const name = read(() => error.name);
    const code = read(() => (error as { code?: unknown }).code);
    const stack = read(() => error.stack);
    return {
      type: clip(typeof name === 'string' && name ? name : 'Error', ERROR_FIELD_MAX.type),
      message: clip(safeString(read(() => error.message)), ERROR_FIELD_MAX.message),
      ...(typeof stack === 'string' && stack ? { stack: clip(stack, ERROR_FIELD_MAX.stack) } : {}),
      ...(typeof code === 'string' ? { code: clip(code, ERROR_FIELD_MAX.code) } : {}),
    };
  }
  return { type: 'NonErrorThrown', message: clip(safeString(error), ERROR_FIELD_MAX.message) };
}

/**
 * Any value as a short string for a log line or an error message. Never throws (a value whose
 * `toString` throws, or that has none, is described by its kind).
 *
 * @example
 * ```ts
 * log.error('store write failed', { error: safeString(err) });
 * ```
 */
export function safeString(value: unknown, max: number = ERROR_FIELD_MAX.message): string {
  if (typeof value === 'string') return clip(value, max);
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (proto === null || proto === Object.prototype || Array.isArray(value)) {
    // A plain value says more as JSON than as "[object Object]".
    const json = read(() => JSON.stringify(value));
    if (typeof json === 'string') return clip(json, max);
  }
  try {
    return clip(String(value), max);
  } catch {
    try {
      return clip(Object.prototype.toString.call(value), max);
    } catch {
      return '[unprintable value]';
    }
  }
}

function read<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
