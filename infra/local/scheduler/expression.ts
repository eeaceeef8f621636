import { Cron } from 'croner';

/**
 * The next firing of a Scheduler expression strictly after `afterMs`, or `undefined` when it
 * never fires again. Handles `at(…)` (in its time zone, UTC here), `rate(n unit)` (counted from
 * `startMs`) and 6-field `cron(min hour dom month dow year)` (evaluated with croner).
 *
 * @example
 * ```ts
 * nextFiring('cron(0 9 ? * MON-FRI *)', 'Europe/Paris', Date.now(), Date.now());
 * ```
 */
export function nextFiring(
  expression: string,
  timezone: string | undefined,
  afterMs: number,
  startMs: number,
): number | undefined {
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (at) {
    const ms = zonedToEpoch(at[1]!, timezone ?? 'UTC');
    return ms > afterMs ? ms : undefined;
  }
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const unit = rate[2]!.startsWith('minute')
      ? 60_000
      : rate[2]!.startsWith('hour')
        ? 3_600_000
        : 86_400_000;
    const period = Number(rate[1]) * unit;
    const n = Math.floor((afterMs - startMs) / period) + 1;
    return startMs + Math.max(1, n) * period;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) {
    const years = yearFilter(cron[1]!);
    const job = new Cron(toCroner(cron[1]!), { paused: true, ...(timezone ? { timezone } : {}) });
    // croner has no year field: step over firings in years the expression leaves out.
    let from = new Date(afterMs);
    for (let i = 0; i < 2_000; i++) {
      const next = job.nextRun(from);
      if (!next) return undefined;
      if (years(next.getUTCFullYear())) return next.getTime();
      from = new Date(Date.UTC(next.getUTCFullYear() + 1, 0, 1) - 1);
    }
    return undefined;
  }
  throw new Error(`unsupported schedule expression: ${expression}`);
}

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** An AWS day-of-week value (1-7 = SUN-SAT, or a name) → 1-7. */
function dayNumber(token: string, aws: string): number {
  const n = /^\d+$/.test(token) ? Number(token) : DAYS.indexOf(token as (typeof DAYS)[number]) + 1;
  if (!(n >= 1 && n <= 7)) throw new Error(`cron(${aws}): day-of-week "${token}" is not 1-7 or SUN-SAT`);
  return n;
}

/**
 * One part of AWS's day-of-week field → croner's, by name (no numbering to shift): `FRI#3` keeps
 * its `#3` (the third Friday), `6L` (last Friday) becomes `FRI#L`, `6-7` becomes `FRI-SAT`. A
 * range that wraps past Saturday (`7-1`, `SAT-MON`) is refused: AWS numbers SUN-SAT 1-7, so it
 * runs backwards; list the days instead.
 */
function dowPart(part: string, aws: string): string {
  if (part === '*') return '*';
  if (part === 'L') return 'SAT';
  if (part.includes('/')) throw new Error(`cron(${aws}): no step ("/") in day-of-week`);
  const nth = /^([A-Z]{3}|\d)#([1-5])$/.exec(part);
  if (nth) return `${DAYS[dayNumber(nth[1]!, aws) - 1]}#${nth[2]}`;
  const last = /^([A-Z]{3}|\d)L$/.exec(part);
  if (last) return `${DAYS[dayNumber(last[1]!, aws) - 1]}#L`;
  const [from, to, more] = part.split('-');
  if (more !== undefined) throw new Error(`cron(${aws}): day-of-week "${part}" has too many "-"`);
  const a = dayNumber(from!, aws);
  if (to === undefined) return DAYS[a - 1]!;
  const b = dayNumber(to, aws);
  if (b < a) {
    throw new Error(
      `cron(${aws}): day-of-week range "${part}" runs backwards (1-7 = SUN-SAT); list the days instead`,
    );
  }
  return `${DAYS[a - 1]}-${DAYS[b - 1]}`;
}

/**
 * AWS 6-field cron (`min hour dom month dow year`, dow 1-7 = SUN-SAT, `?`) → croner's 6-field
 * (seconds first, no year; see {@link nextFiring} for the year). Day-of-week values are written
 * as names so nothing depends on either side's numbering.
 *
 * @throws Error for a field count other than 6, or a day-of-week croner would read otherwise.
 * @example
 * ```ts
 * toCroner('0 9 ? * FRI#3 *'); // '0 0 9 * * FRI#3'
 * ```
 */
export function toCroner(aws: string): string {
  const fields = aws.trim().toUpperCase().split(/\s+/);
  if (fields.length !== 6) throw new Error(`cron(${aws}) needs 6 fields`);
  const [min, hour, dom, month, dow] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new Error(`cron(${aws}): one of day-of-month and day-of-week must be "?"`);
  }
  const dowCroner =
    dow === '?'
      ? '*'
      : dow
          .split(',')
          .map((p) => dowPart(p, aws))
          .join(',');
  return `0 ${min} ${hour} ${dom === '?' ? '*' : dom} ${month} ${dowCroner}`;
}

/** The year field as a predicate (`*`, `2027`, `2027-2029`, `2027,2030`, `2027/2`). */
function yearFilter(aws: string): (year: number) => boolean {
  const year = aws.trim().split(/\s+/)[5] ?? '*';
  if (year === '*') return () => true;
  const parts = year.split(',').map((part) => {
    const [range, step] = part.split('/');
    const [from, to] = (range ?? '').split('-');
    const a = range === '*' ? 1970 : Number(from);
    const b = to !== undefined ? Number(to) : step !== undefined ? 2199 : a;
    const n = step !== undefined ? Number(step) : 1;
    if (![a, b, n].every(Number.isInteger) || n < 1) throw new Error(`cron(${aws}): bad year "${part}"`);
    return (y: number) => y >= a && y <= b && (y - a) % n === 0;
  });
  return (y) => parts.some((p) => p(y));
}

/** `yyyy-mm-ddThh:mm:ss` read in `timezone` → epoch ms. */
function zonedToEpoch(local: string, timezone: string): number {
  const asUtc = Date.parse(`${local}Z`);
  if (timezone === 'UTC') return asUtc;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(asUtc));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const shown = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - (shown - asUtc);
}
