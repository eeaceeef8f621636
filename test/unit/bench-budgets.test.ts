import { describe, expect, it } from 'vitest';
import { checkBudgets } from '../bench/budgets.js';

describe('bench budgets', () => {
  it('pass at the limit, fail past it, in either direction', () => {
    const report = { ratio: 1.15, over: 1.151, throughput: 0.9, low: 0.89 };
    const checked = checkBudgets(report, [
      { figure: 'ratio', at: 'most', limit: 1.15 },
      { figure: 'over', at: 'most', limit: 1.15 },
      { figure: 'throughput', at: 'least', limit: 0.9 },
      { figure: 'low', at: 'least', limit: 0.9 },
    ]);
    expect(checked.map((b) => b.pass)).toEqual([true, false, true, false]);
    expect(checked[1]).toMatchObject({ figure: 'over', value: 1.151, limit: 1.15, at: 'most' });
  });

  it('a missing or non-numeric figure fails; a boolean reads as 0 or 1', () => {
    const checked = checkBudgets({ text: 'x', nan: Number.NaN, flag: true, clean: false }, [
      { figure: 'absent', at: 'most', limit: 1 },
      { figure: 'text', at: 'most', limit: 1 },
      { figure: 'nan', at: 'most', limit: 1 },
      { figure: 'flag', at: 'most', limit: 0 },
      { figure: 'clean', at: 'most', limit: 0 },
    ]);
    expect(checked.map((b) => b.pass)).toEqual([false, false, false, false, true]);
  });
});
