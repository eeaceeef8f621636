import { type ListOptions, TaskState, toMillis } from '../../runtime/internal.js';
import { ApiError, ApiErrorCode } from './errors.js';

const DURATION = /^\d+(?:\.\d+)?(ms|s|m|h|d)$/;

/**
 * Parse a moment: epoch ms, an ISO 8601 date, or a duration meaning "that long ago"
 * (`15m`, `2h`, `7d`).
 *
 * @throws ApiError 400 naming the parameter and the accepted forms.
 * @example
 * ```ts
 * parseMoment('1h', 'since', Date.now()); // an hour ago
 * ```
 */
export function parseMoment(value: string, what: string, now: number): number {
  const text = value.trim();
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (DURATION.test(text)) return now - toMillis(text as `${number}s`, what);
  const ms = Date.parse(text);
  if (Number.isFinite(ms)) return ms;
  throw new ApiError(
    400,
    ApiErrorCode.BAD_REQUEST,
    `${what}: got ${JSON.stringify(text.slice(0, 40))}; allowed: epoch ms, an ISO date, or a duration ago like "15m", "2h"`,
  );
}

/** Parse a duration parameter (`30s`, `5m`, or ms). */
export function parseDuration(value: string, what: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (DURATION.test(text)) return toMillis(text as `${number}s`, what);
  throw new ApiError(
    400,
    ApiErrorCode.BAD_REQUEST,
    `${what}: got ${JSON.stringify(text.slice(0, 40))}; allowed: ms or "30s", "5m", "1h"`,
  );
}

const STATES = Object.values(TaskState).filter((s) => s !== TaskState.PENDING);

/**
 * Turn query parameters into {@link ListOptions}.
 *
 * @example
 * ```ts
 * parseListQuery({ state: 'failure', since: '1h' }, Date.now());
 * ```
 */
export function parseListQuery(q: Record<string, string | undefined>, now: number): ListOptions {
  const out: Record<string, unknown> = {};
  if (q.state) {
    const state = q.state.toUpperCase();
    if (!STATES.includes(state as (typeof STATES)[number])) {
      throw new ApiError(
        400,
        ApiErrorCode.BAD_REQUEST,
        `state: got ${JSON.stringify(q.state)}; allowed: ${STATES.join(', ')}${state === 'PENDING' ? ' (PENDING tasks have no stored item yet)' : ''}`,
      );
    }
    out.state = state;
  }
  for (const key of ['task', 'queue', 'tag', 'cursor'] as const) if (q[key]) out[key] = q[key];
  if (q.since) out.since = parseMoment(q.since, 'since', now);
  if (q.until) out.until = parseMoment(q.until, 'until', now);
  if (q.limit) {
    const limit = Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new ApiError(
        400,
        ApiErrorCode.BAD_REQUEST,
        `limit: got ${JSON.stringify(q.limit)}; allowed: 1 to 200`,
      );
    }
    out.limit = limit;
  }
  return out as ListOptions;
}

const NICE_BUCKETS = [1, 5, 10, 30, 60, 300, 900, 1_800, 3_600, 21_600, 86_400].map((s) => s * 1000);

/**
 * A readable bucket width giving about `target` buckets over a window.
 *
 * @example
 * ```ts
 * autoBucket(3_600_000); // 60000 (one-minute buckets for an hour)
 * ```
 */
export function autoBucket(windowMs: number, target = 60): number {
  return NICE_BUCKETS.find((b) => windowMs / b <= target) ?? NICE_BUCKETS[NICE_BUCKETS.length - 1]!;
}

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_BODY_DEPTH = 100;

/**
 * Refuse a parsed JSON body nested deeper than {@link MAX_BODY_DEPTH} levels. Measured without
 * recursion, so a body nested 500,000 levels deep is a 400, not a stack overflow later on.
 *
 * @throws ApiError 400 naming the depth allowed.
 * @example
 * ```ts
 * checkBodyDepth(JSON.parse(text));
 * ```
 */
export function checkBodyDepth(value: unknown, max: number = MAX_BODY_DEPTH): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > max) {
      throw new ApiError(
        400,
        ApiErrorCode.BAD_REQUEST,
        `body: arrays and objects nested more than ${max} levels deep; allowed: at most ${max}`,
      );
    }
    for (const child of Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}
