/**
 * Thrown while building a {@link TaskRuntime} when the plan or the props break a rule that
 * AWS would only report at deploy time (or never, failing at run time instead). Each problem
 * names the setting, its value and the rule it breaks.
 *
 * @example
 * ```ts
 * try {
 *   new TaskRuntime(stack, 'Tasks', { plan });
 * } catch (err) {
 *   if (err instanceof TaskRuntimeValidationError) console.error(err.problems.join('\n'));
 * }
 * ```
 */
export class TaskRuntimeValidationError extends Error {
  /** One line per broken rule: `<setting> = <value>: <rule>`. */
  readonly problems: readonly string[];

  constructor(path: string, problems: readonly string[]) {
    super(`TaskRuntime ${path}: invalid settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'TaskRuntimeValidationError';
    this.problems = problems;
  }
}
