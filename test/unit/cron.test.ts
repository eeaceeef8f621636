import { describe, expect, it } from 'vitest';
import { nextFiring, toCroner } from '../../infra/local/scheduler/expression.js';
import { toSchedulerCron, toSchedulerRate } from '../../runtime/schedules/expression.js';

describe('5-field cron → Scheduler 6-field cron', () => {
  it.each([
    ['0 9 * * MON-FRI', 'cron(0 9 ? * MON-FRI *)'],
    ['*/15 * * * *', 'cron(*/15 * * * ? *)'],
    ['0 0 1 * *', 'cron(0 0 1 * ? *)'],
    ['30 6 * * 0', 'cron(30 6 ? * SUN *)'],
    ['30 6 * * 7', 'cron(30 6 ? * SUN *)'],
    ['0 12 * * 1-5', 'cron(0 12 ? * MON-FRI *)'],
    ['0 12 * * 1,3,5', 'cron(0 12 ? * MON,WED,FRI *)'],
    ['0 8 * * 1#2', 'cron(0 8 ? * MON#2 *)'],
    ['0 8 L * *', 'cron(0 8 L * ? *)'],
    ['0 0 * JAN,JUL *', 'cron(0 0 * JAN,JUL ? *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
    ['@weekly', 'cron(0 0 ? * SUN *)'],
    ['0 9 * * 6-7', 'cron(0 9 ? * SAT,SUN *)'],
    ['0 9 * * 5-7', 'cron(0 9 ? * FRI-SAT,SUN *)'],
    ['0 9 * * 0-6', 'cron(0 9 ? * SUN-SAT *)'],
    ['0 9 * * 5#3', 'cron(0 9 ? * FRI#3 *)'],
    ['0 9 * * 5L', 'cron(0 9 ? * 6L *)'],
  ])('%s → %s', (input, expected) => {
    expect(toSchedulerCron(input)).toBe(expected);
  });

  it.each([
    ['0 0 9 * * *', /seconds field/],
    ['0 9 1 * MON', /not both/],
    ['0 9 * * */2', /no step/],
    ['61 * * * *', /valid cron/],
    ['0 9 * *', /5 fields/],
    ['@reboot', /one of @yearly/],
    ['nonsense', /5 fields/],
    ['0 9 * * 5-1', /runs backwards/],
  ])('refuses %s with a clear error', (input, message) => {
    expect(() => toSchedulerCron(input)).toThrow(message);
    try {
      toSchedulerCron(input);
    } catch (err) {
      expect((err as { code: string }).code).toBe('INVALID_SCHEDULE');
    }
  });

  it('normalises rates', () => {
    expect(toSchedulerRate('5 minutes')).toBe('rate(5 minutes)');
    expect(toSchedulerRate('1 hours')).toBe('rate(1 hour)');
    expect(toSchedulerRate('2 DAY')).toBe('rate(2 days)');
    expect(() => toSchedulerRate('0 minutes')).toThrow(/positive whole number/);
    expect(() => toSchedulerRate('5 seconds')).toThrow(/minutes, hours or days/);
  });
});

describe('local scheduler expression evaluation', () => {
  it('reads Scheduler cron back (1-7 = SUN-SAT) and honours the time zone', () => {
    expect(toCroner('0 9 ? * MON-FRI *')).toBe('0 0 9 * * MON-FRI');
    expect(toCroner('0 9 ? * 2 *')).toBe('0 0 9 * * MON');
    // Monday 2026-11-23 08:00 UTC = 09:00 Paris → the next 09:00 Paris weekday is Tuesday.
    const after = Date.parse('2026-11-23T08:30:00Z');
    expect(new Date(nextFiring('cron(0 9 ? * MON-FRI *)', 'Europe/Paris', after, after)!).toISOString()).toBe(
      '2026-11-24T08:00:00.000Z',
    );
    expect(nextFiring('at(2026-11-23T10:00:00)', 'UTC', after, after)).toBe(
      Date.parse('2026-11-23T10:00:00Z'),
    );
    expect(nextFiring('rate(5 minutes)', undefined, after + 1, after)).toBe(after + 300_000);
  });
});

describe('local scheduler cron reading matches AWS (1-7 = SUN-SAT)', () => {
  const next = (expr: string, from: string, n = 3) => {
    const out: string[] = [];
    let t = Date.parse(from);
    for (let i = 0; i < n; i++) {
      t = nextFiring(expr, 'UTC', t, t)!;
      out.push(new Date(t).toISOString().slice(0, 16));
    }
    return out;
  };

  it('FRI#3 fires on the third Friday of the month, in names or numbers', () => {
    expect(toCroner('0 9 ? * FRI#3 *')).toBe('0 0 9 * * FRI#3');
    expect(toCroner('0 9 ? * 6#3 *')).toBe('0 0 9 * * FRI#3');
    // December 2026: Fridays 4, 11, 18, 25; January 2027: 1, 8, 15; February: 5, 12, 19.
    expect(next('cron(0 9 ? * FRI#3 *)', '2026-12-01T00:00:00Z')).toEqual([
      '2026-12-18T09:00',
      '2027-01-15T09:00',
      '2027-02-19T09:00',
    ]);
    expect(next('cron(0 9 ? * 6#3 *)', '2026-12-01T00:00:00Z', 1)).toEqual(['2026-12-18T09:00']);
  });

  it('6-7 is FRI-SAT; 6L the last Friday; wrapping ranges and steps are refused', () => {
    expect(toCroner('0 9 ? * 6-7 *')).toBe('0 0 9 * * FRI-SAT');
    expect(next('cron(0 9 ? * 6-7 *)', '2026-12-01T00:00:00Z')).toEqual([
      '2026-12-04T09:00',
      '2026-12-05T09:00',
      '2026-12-11T09:00',
    ]);
    expect(toCroner('0 9 ? * 1,7 *')).toBe('0 0 9 * * SUN,SAT');
    expect(next('cron(0 9 ? * 6L *)', '2026-12-01T00:00:00Z', 2)).toEqual([
      '2026-12-25T09:00',
      '2027-01-29T09:00',
    ]);
    expect(() => toCroner('0 9 ? * 7-1 *')).toThrow(/runs backwards/);
    expect(() => toCroner('0 9 ? * SAT-MON *')).toThrow(/runs backwards/);
    expect(() => toCroner('0 9 ? * 8 *')).toThrow(/not 1-7/);
    expect(() => toCroner('0 9 ? * MON/2 *')).toThrow(/no step/);
    expect(() => toCroner('0 9 * * MON *')).toThrow(/must be "\?"/);
    expect(() => toCroner('0 9 ? * MON')).toThrow(/6 fields/);
  });

  it('the 5-field translation and the local reading agree: 6-7 in cron is Saturday and Sunday', () => {
    const aws = toSchedulerCron('0 9 * * 6-7');
    expect(next(aws, '2026-12-01T00:00:00Z', 4)).toEqual([
      '2026-12-05T09:00',
      '2026-12-06T09:00',
      '2026-12-12T09:00',
      '2026-12-13T09:00',
    ]);
  });

  it('honours the year field', () => {
    expect(next('cron(0 0 1 JAN ? 2028-2029)', '2026-12-01T00:00:00Z', 2)).toEqual([
      '2028-01-01T00:00',
      '2029-01-01T00:00',
    ]);
    expect(
      nextFiring('cron(0 0 1 JAN ? 2026)', 'UTC', Date.parse('2026-12-01T00:00:00Z'), 0),
    ).toBeUndefined();
  });
});
