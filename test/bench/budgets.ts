/** A budget on one figure of the bench report: the figure must be at most / at least `limit`. */
export interface Budget {
  readonly figure: string;
  readonly at: 'most' | 'least';
  readonly limit: number;
}

/** A budget with the figure's value and whether it held. */
export interface CheckedBudget extends Budget {
  readonly value: number | boolean | undefined;
  readonly pass: boolean;
}

/**
 * Check each budget against the report. A figure that is missing or not a number fails (a
 * boolean counts as 0 or 1, so `at most 0` reads "must be false").
 *
 * @example
 * ```ts
 * checkBudgets({ ratio: 1.2 }, [{ figure: 'ratio', at: 'most', limit: 1.15 }]); // [{ …, pass: false }]
 * ```
 */
export function checkBudgets(
  report: Readonly<Record<string, unknown>>,
  budgets: readonly Budget[],
): CheckedBudget[] {
  return budgets.map((b) => {
    const raw = report[b.figure];
    const value = typeof raw === 'number' || typeof raw === 'boolean' ? raw : undefined;
    const n = typeof value === 'boolean' ? Number(value) : value;
    const pass = n !== undefined && Number.isFinite(n) && (b.at === 'most' ? n <= b.limit : n >= b.limit);
    return { ...b, value, pass };
  });
}
