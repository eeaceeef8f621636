import { type CeleriacError, ErrorCode, invalid } from '../errors.js';
import { cronFieldProblem, DAYS } from './cron-fields.js';

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const DAY_NAMES = [...DAYS, 'SUN'] as const;

function bad(expr: string, why: string): CeleriacError {
  return invalid(ErrorCode.INVALID_SCHEDULE, 'cron expression', expr, why);
}

/**
 * Translate a standard 5-field cron (`min hour day-of-month month day-of-week`, Vixie
 * syntax, macros like `@daily`) to EventBridge Scheduler's 6-field `cron(…)` form: the year
 * field `*` is added; one of day-of-month / day-of-week becomes `?`; day-of-week numbers
 * (0-7, Sunday 0 or 7) become names, since Scheduler counts 1-7 from Sunday.
 *
 * @throws CeleriacError `INVALID_SCHEDULE` for a bad expression or what Scheduler cannot
 *   express: a seconds field, both day-of-month and day-of-week restricted (cron fires when
 *   either matches; use two schedules), a step in day-of-week, `@reboot`.
 * @example
 * ```ts
 * toSchedulerCron('0 9 * * MON-FRI'); // 'cron(0 9 ? * MON-FRI *)'
 * toSchedulerCron('*\/15 * * * *');    // 'cron(*\/15 * * * ? *)'
 * ```
 */
export function toSchedulerCron(expression: string): string {
  if (typeof expression !== 'string') throw bad(String(expression), 'a 5-field cron string');
  const source = expression.trim();
  const expanded = MACROS[source.toLowerCase()] ?? source;
  if (expanded.startsWith('@')) throw bad(source, `one of ${Object.keys(MACROS).join(', ')} or 5 fields`);
  const fields = expanded.split(/\s+/);
  if (fields.length === 6) {
    throw bad(
      source,
      '5 fields (minute hour day-of-month month day-of-week); Scheduler fires at minute precision, so a seconds field cannot be honoured',
    );
  }
  if (fields.length !== 5) throw bad(source, '5 fields: minute hour day-of-month month day-of-week');
  const problem = cronFieldProblem(fields);
  if (problem) throw bad(source, `a valid cron expression (${problem})`);
  const [min, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const domAny = dom === '*' || dom === '?';
  const dowAny = dow === '*' || dow === '?';
  if (!domAny && !dowAny) {
    throw bad(
      source,
      'day-of-month or day-of-week, not both: cron runs when either matches, Scheduler needs one of them to be "?"; declare two schedules',
    );
  }
  if (!/^[0-9,*/-]+$/.test(min) || !/^[0-9,*/-]+$/.test(hour)) {
    throw bad(source, 'minute and hour made of digits and , - * /');
  }
  if (dowAny) return `cron(${min} ${hour} ${dom === '?' ? '*' : dom} ${month} ? *)`;
  return `cron(${min} ${hour} ? ${month} ${translateDow(dow, source)} *)`;
}

function translateDow(dow: string, source: string): string {
  if (dow.includes('/'))
    throw bad(source, 'no step ("/") in day-of-week: Scheduler does not support it; list the days');
  return dow
    .toUpperCase()
    .split(',')
    .map((part) => translateDowPart(part, source))
    .join(',');
}

/** A day-of-week value of a 5-field cron (0-7, Sunday 0 or 7, or a name) → 0-7. */
function dayIndex(token: string, source: string): number {
  const n = /^\d+$/.test(token) ? Number(token) : (DAY_NAMES as readonly string[]).indexOf(token);
  if (!(n >= 0 && n <= 7)) throw bad(source, 'day-of-week numbers 0-7 or names SUN-SAT');
  return n;
}

/**
 * One day-of-week part → Scheduler's, by name. A range ending on Sunday as 7 (`6-7`, Saturday
 * to Sunday) wraps in Scheduler's SUN-first week, so it becomes `SAT,SUN`; any other range that
 * runs backwards is refused.
 */
function translateDowPart(part: string, source: string): string {
  const special = /^(\w+?)(#[1-5]|L)$/.exec(part);
  // The number after "#" is the nth weekday of the month, not a day.
  if (special) {
    const day = dayIndex(special[1]!, source) % 7;
    // `5L` (last Friday) is written with Scheduler's number (SUN = 1), as its docs do: `6L`.
    return special[2] === 'L' ? `${day + 1}L` : `${DAY_NAMES[day]}${special[2]}`;
  }
  if (part === '*') return part;
  const [from, to, more] = part.split('-');
  if (more !== undefined) throw bad(source, `day-of-week "${part}": one "-" per range`);
  const a = dayIndex(from!, source) % 7;
  if (to === undefined) return DAY_NAMES[a]!;
  const rawB = dayIndex(to, source);
  const sunday = rawB === 7 && a > 0;
  const b = sunday ? 6 : rawB;
  if (b < a) throw bad(source, `day-of-week range "${part}" runs backwards; list the days instead`);
  const range = a === b ? DAY_NAMES[a]! : `${DAY_NAMES[a]}-${DAY_NAMES[b]}`;
  return sunday ? `${range},SUN` : range;
}

const RATE = /^(\d+)\s*(minute|minutes|hour|hours|day|days)$/i;

/**
 * Normalise a rate (`'5 minutes'`, `'1 hour'`, `'2 days'`) to Scheduler's `rate(…)`.
 *
 * @throws CeleriacError `INVALID_SCHEDULE` for anything else, or a value below 1.
 * @example
 * ```ts
 * toSchedulerRate('5 minutes'); // 'rate(5 minutes)'
 * toSchedulerRate('1 hours');   // 'rate(1 hour)'
 * ```
 */
export function toSchedulerRate(rate: string): string {
  const match = typeof rate === 'string' ? RATE.exec(rate.trim()) : null;
  const n = match ? Number(match[1]) : 0;
  if (!match || n < 1) {
    throw invalid(
      ErrorCode.INVALID_SCHEDULE,
      'rate',
      rate,
      'a positive whole number of minutes, hours or days, e.g. "5 minutes"',
    );
  }
  const unit = match[2]!.toLowerCase().replace(/s$/, '');
  return `rate(${n} ${n === 1 ? unit : `${unit}s`})`;
}

const ZONE_SHAPE = /^(UTC|GMT|[A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/;

/**
 * Check that a time zone looks like an IANA name (`UTC`, `Europe/Paris`), without loading the
 * ICU data: cheap enough for definition time in a worker's cold start. {@link checkTimezone}
 * does the full check when the plan is built (infra synth, the local stack).
 *
 * @throws CeleriacError `INVALID_SCHEDULE`.
 */
export function checkTimezoneShape(timezone: string): string {
  if (typeof timezone === 'string' && ZONE_SHAPE.test(timezone)) return timezone;
  throw badZone(timezone);
}

/**
 * Check an IANA time zone name.
 *
 * @throws CeleriacError `INVALID_SCHEDULE`.
 */
export function checkTimezone(timezone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return timezone;
  } catch {
    throw badZone(timezone);
  }
}

/** The error for a time zone that is not an IANA one. */
function badZone(timezone: unknown): CeleriacError {
  return invalid(
    ErrorCode.INVALID_SCHEDULE,
    'schedule timezone',
    timezone,
    'an IANA time zone, e.g. "Europe/Paris"',
  );
}
