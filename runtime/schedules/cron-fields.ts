/**
 * Syntax check of a 5-field cron (`minute hour day-of-month month day-of-week`) in the dialect
 * EventBridge Scheduler understands. The worker bundle carries this small check instead of a
 * full cron engine; the local scheduler and the tests use croner to compute firing times.
 */
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
/** Day-of-week names, Sunday first (0). */
export const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Offset of `names[0]` (JAN = 1, SUN = 0). */
  readonly nameBase?: number;
  /** Extra whole-part forms this field accepts (`L`, `15W`, `5#2`…). */
  readonly extra?: RegExp;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, extra: /^(\?|L|LW|([1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  {
    name: 'day-of-week',
    min: 0,
    max: 7,
    names: DAYS,
    nameBase: 0,
    extra: /^(\?|[0-7]L|[A-Z]{3}L|([0-7]|[A-Z]{3})#[1-5])$/,
  },
];

function value(token: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const i = spec.names?.indexOf(token) ?? -1;
  return i >= 0 ? i + (spec.nameBase ?? 0) : undefined;
}

function checkPart(part: string, spec: FieldSpec): string | undefined {
  if (spec.extra?.test(part)) return undefined;
  const [range, step, more] = part.split('/');
  if (more !== undefined || range === undefined || range === '')
    return `"${part}" is not a value, range or step`;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1))
    return `step "${step}" must be a whole number ≥ 1`;
  if (range === '*') return undefined;
  const [from, to, extra] = range.split('-');
  if (extra !== undefined) return `"${range}" has too many "-"`;
  const a = value(from ?? '', spec);
  if (a === undefined)
    return `"${from}" is outside ${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : ''}`;
  if (to === undefined) return undefined;
  const b = value(to, spec);
  if (b === undefined) return `"${to}" is outside ${spec.min}-${spec.max}`;
  return b < a ? `range "${range}" runs backwards` : undefined;
}

/**
 * The first problem of a 5-field cron expression, or `undefined` when every field is valid.
 *
 * @example
 * ```ts
 * cronFieldProblem(['0', '9', '*', '*', 'MON-FRI']); // undefined
 * cronFieldProblem(['61', '*', '*', '*', '*']);     // 'minute: "61" is outside 0-59'
 * ```
 */
export function cronFieldProblem(fields: readonly string[]): string | undefined {
  for (const [i, spec] of FIELDS.entries()) {
    const field = fields[i]?.toUpperCase() ?? '';
    for (const part of field.split(',')) {
      const problem = checkPart(part, spec);
      if (problem) return `${spec.name}: ${problem}`;
    }
  }
  return undefined;
}
