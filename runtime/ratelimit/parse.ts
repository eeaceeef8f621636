import { ErrorCode, invalid } from '../errors.js';

/** A rate limit: `'<n>/s'`, `'<n>/m'` or `'<n>/h'` (runs per second, minute or hour). */
export type RateLimit = `${number}/${'s' | 'm' | 'h'}`;

/** A parsed {@link RateLimit}. */
export interface RateLimitPolicy {
  readonly limit: number;
  readonly periodMs: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parse a rate limit once, at definition time.
 *
 * @throws CeleriacError `INVALID_RATE_LIMIT` naming the value and the allowed form.
 * @example
 * ```ts
 * parseRateLimit('100/m', 'task "send"'); // { limit: 100, periodMs: 60000 }
 * ```
 */
export function parseRateLimit(value: RateLimit, what: string): RateLimitPolicy {
  const match = typeof value === 'string' ? /^(\d+)\/(s|m|h)$/.exec(value.trim()) : null;
  const limit = match ? Number(match[1]) : 0;
  if (!match || limit < 1 || limit > 1_000_000) {
    throw invalid(
      ErrorCode.INVALID_RATE_LIMIT,
      `${what} rateLimit`,
      value,
      '"<n>/s", "<n>/m" or "<n>/h" with n from 1 to 1000000',
    );
  }
  return { limit, periodMs: UNIT_MS[match[2] as keyof typeof UNIT_MS] };
}
