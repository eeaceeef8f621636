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
    expect(toCroner('0 9 ? * 2 *')).toBe('0 0 9 * * 1');
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
