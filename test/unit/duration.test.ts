import { describe, expect, it } from 'vitest';
import { toMillis, toSecondsWithin } from '../../runtime/duration.js';
import { CeleriacError } from '../../runtime/errors.js';

describe('toMillis', () => {
  it.each([
    [250, 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
  ] as const)('parses %s', (input, ms) => {
    expect(toMillis(input, 'x')).toBe(ms);
  });

  it.each([['5 minutes'], ['10y'], ['-1s'], [''], [-5], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    'rejects %s naming the value and the allowed forms (never 0)',
    (input) => {
      const err = (() => {
        try {
          toMillis(input as never, 'task "a" timeout');
        } catch (e) {
          return e;
        }
      })() as CeleriacError;
      expect(err).toBeInstanceOf(CeleriacError);
      expect(err.code).toBe('INVALID_DURATION');
      expect(err.message).toContain('task "a" timeout');
      expect(err.message).toContain('allowed');
    },
  );
});

describe('toSecondsWithin', () => {
  it('rounds up and checks the range', () => {
    expect(toSecondsWithin('1500ms', 'w', 0, 10)).toBe(2);
    expect(() => toSecondsWithin('11s', 'w', 0, 10)).toThrow(/between 0 s and 10 s/);
  });
});
