import type { StandardSchemaV1 } from '@standard-schema/spec';
import { CeleriacError, ErrorCode } from './errors.js';

/**
 * Check task arguments against a Standard Schema; returns the schema's output.
 *
 * @throws CeleriacError `INVALID_ARGS` listing each issue with its path.
 * @example
 * ```ts
 * const args = await validateArgs(schema, input, 'task "email.send"');
 * ```
 */
export async function validateArgs(
  schema: StandardSchemaV1 | undefined,
  args: unknown,
  what: string,
): Promise<unknown> {
  if (!schema) return args;
  const result = await schema['~standard'].validate(args);
  if (!result.issues) return result.value;
  const details = result.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
  throw new CeleriacError(ErrorCode.INVALID_ARGS, `${what} arguments are invalid: ${details}`, {
    value: args,
    allowed: 'arguments matching the task schema',
  });
}
