import { type SignatureOptions, type SignatureTarget, TaskSignature } from './canvas/signature.js';
import type { Json } from './json.js';
import type { Task } from './task-types.js';

/**
 * @internal The `s()` and `si()` methods of a task, over a target resolved when each signature
 * is made: one implementation for task objects and for tasks known by name (`taskRef`).
 */
export function signatureMethods(target: () => SignatureTarget): Pick<Task, 's' | 'si'> {
  return {
    s: (args?: unknown, options?: SignatureOptions & { readonly resultKey?: string }) => {
      const { resultKey, ...rest } = options ?? {};
      return new TaskSignature(target(), {
        mode: 'partial',
        ...(args !== undefined ? { args: args as Json } : {}),
        ...(resultKey !== undefined ? { resultKey } : {}),
        options: rest,
      });
    },
    si: (args: unknown, options?: SignatureOptions) =>
      new TaskSignature(target(), {
        mode: 'immutable',
        args: (args === undefined ? null : args) as Json,
        ...(options ? { options } : {}),
      }),
  } as Pick<Task, 's' | 'si'>;
}
