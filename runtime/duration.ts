import { ErrorCode, invalid } from './errors.js';

/** A unit suffix accepted in duration strings. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/**
 * A length of time: a number of milliseconds, or a string such as `'500ms'`, `'30s'`, `'5m'`,
 * `'2h'`, `'7d'`. Parsed once; anything else throws (never 0, never a default).
 *
 * @example
 * ```ts
 * const t: Duration = '15m';
 * toMillis(t, 'delay'); // 900000
 * ```
 */
export type Duration = number | `${number}${DurationUnit}`;

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const ALLOWED = 'a non-negative number of milliseconds, or a string like "500ms", "30s", "5m", "2h", "7d"';

/**
 * Convert a {@link Duration} to whole milliseconds.
 *
 * @param what - names the setting in the error message, e.g. `'task "send" timeout'`.
 * @throws CeleriacError `INVALID_DURATION` naming the value and the allowed forms.
 * @example
 * ```ts
 * toMillis('2h', 'delay'); // 7200000
 * ```
 */
export function toMillis(value: Duration, what: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
    throw invalid(ErrorCode.INVALID_DURATION, what, value, ALLOWED);
  }
  const match = typeof value === 'string' ? PATTERN.exec(value.trim()) : null;
  if (!match) throw invalid(ErrorCode.INVALID_DURATION, what, value, ALLOWED);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
}

/**
 * Convert a {@link Duration} to whole seconds, rounding up, and check it lies in a range.
 *
 * @example
 * ```ts
 * toSecondsWithin('30s', 'visibility', 0, 43200); // 30
 * ```
 */
export function toSecondsWithin(value: Duration, what: string, min: number, max: number): number {
  const seconds = Math.ceil(toMillis(value, what) / 1000);
  if (seconds < min || seconds > max) {
    throw invalid(ErrorCode.INVALID_DURATION, what, value, `between ${min} s and ${max} s`);
  }
  return seconds;
}
