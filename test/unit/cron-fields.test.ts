import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { planOf } from '../../runtime/plan.js';
import { cronFieldProblem } from '../../runtime/schedules/cron-fields.js';

const VALID = [
  '* * * * *',
  '0 9 * * MON-FRI',
  '*/15 * * * *',
  '0 0 1 * *',
  '5,35 0-6/2 * JAN-MAR,DEC *',
  '0 12 L * ?',
  '0 12 15W * ?',
  '0 8 ? * MON#2',
  '0 8 ? * 5L',
  '30 23 31 12 7',
  '0 0 * * SUN',
];
const INVALID: [string, RegExp][] = [
  ['61 * * * *', /minute: "61" is outside 0-59/],
  ['* 24 * * *', /hour: "24"/],
  ['* * 0 * *', /day-of-month: "0"/],
  ['* * * 13 *', /month: "13"/],
  ['* * * FOO *', /month: "FOO"/],
  ['* * * * 8', /day-of-week: "8"/],
  ['*/0 * * * *', /step "0"/],
  ['10-5 * * * *', /runs backwards/],
  ['1-2-3 * * * *', /too many/],
  ['a * * * *', /minute/],
  [', * * * *', /minute/],
];

describe('cron field check (the worker-side validator)', () => {
  it.each(VALID)('accepts %s', (expr) => {
    expect(cronFieldProblem(expr.split(' '))).toBeUndefined();
  });

  it.each(INVALID)('rejects %s, naming the field and value', (expr, message) => {
    expect(cronFieldProblem(expr.split(' '))).toMatch(message);
  });

  it('agrees with croner, the full cron engine, on standard expressions', () => {
    // Scheduler-only forms (?, W, #, L) are excluded: croner's dialect differs there.
    for (const expr of VALID.filter((e) => !/[?WL#]/.test(e))) {
      expect(() => new Cron(expr, { paused: true })).not.toThrow();
    }
    for (const [expr] of INVALID) {
      expect(() => new Cron(expr, { paused: true }), expr).toThrow();
    }
  });
});

describe('schedule time zones', () => {
  it('rejects a malformed zone when the entry is defined, an unknown one when the plan is built', async () => {
    const { cron } = await import('../../runtime/schedules/beat.js');
    const { createRegistry } = await import('../../runtime/registry.js');
    const { task } = await import('../../runtime/task.js');
    const t = task('tz.report', {}, () => null);
    expect(() => cron('0 9 * * *', t, { timezone: 'not a zone!' })).toThrow(
      /schedule timezone: got "not a zone!"/,
    );
    const registry = createRegistry({
      tasks: [t],
      schedules: [cron('0 9 * * *', t, { timezone: 'Mars/Olympus' })],
    });
    expect(() => planOf(registry)).toThrow(
      /schedule timezone: got "Mars\/Olympus"; allowed: an IANA time zone/,
    );
    const ok = createRegistry({
      tasks: [t],
      schedules: [cron('0 9 * * *', t, { timezone: 'Europe/Paris' })],
    });
    expect(planOf(ok).schedules[0]!.timezone).toBe('Europe/Paris');
  });
});
