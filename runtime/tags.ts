import { ErrorCode, invalid } from './errors.js';

const TAG = /^[A-Za-z0-9_.:=/-]{1,64}$/;

/**
 * Check tags (task options, enqueue options): 1-64 of `A-Za-z0-9_.:=/-` each.
 *
 * @throws CeleriacError `INVALID_OPTION` naming the tag.
 * @example
 * ```ts
 * checkTags(['tenant:42'], 'task "report"');
 * ```
 */
export function checkTags(tags: readonly string[], what: string): readonly string[] {
  if (!Array.isArray(tags)) throw invalid(ErrorCode.INVALID_OPTION, `${what} tags`, tags, 'a list of tags');
  for (const tag of tags) {
    if (typeof tag !== 'string' || !TAG.test(tag)) {
      throw invalid(ErrorCode.INVALID_OPTION, `${what} tag`, tag, '1-64 letters, digits or "_.:=/-"');
    }
  }
  return tags;
}
