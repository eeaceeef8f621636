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
    const next = new Cron(toCroner(cron[1]!), { paused: true, ...(timezone ? { timezone } : {}) }).nextRun(
      new Date(afterMs),
    );
    return next ? next.getTime() : undefined;
  }
  throw new Error(`unsupported schedule expression: ${expression}`);
}

/** AWS 6-field cron (dow 1-7 = SUN-SAT, `?`, year) → croner's 6-field (seconds first, dow 0-6). */
export function toCroner(aws: string): string {
  const [min, hour, dom, month, dow, year] = aws.trim().split(/\s+/);
  if (year === undefined) throw new Error(`cron(${aws}) needs 6 fields`);
  const shift = (d: string) => d.replace(/\d+/g, (n) => String((Number(n) + 6) % 7));
  const dowCroner = dow === '?' ? '*' : shift(dow!);
  return `0 ${min} ${hour} ${dom === '?' ? '*' : dom} ${month} ${dowCroner}`;
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
